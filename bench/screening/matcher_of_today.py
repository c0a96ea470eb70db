"""The screen as it was before drug data, kept only as bench/screening's floor.

Clinical screening of an LDN order before anything is made (domain §6).

Naltrexone blocks opioid receptors: a patient on LDN gets no effect from an opioid, or
is thrown into withdrawal by it, so any opioid in the medication list holds the order
for a pharmacist. The lists below are the medical knowledge of the rule itself, not
pharmacy defaults, which is why they live here and not in the database.

Names are matched as whole words after folding case and splitting on anything that is
not a letter or a digit, so tall-man spellings ("oxyCODONE"), combinations
("hydrocodone/APAP", "Norco 10/325") and strengths glued to names ("oxycodone5mg") are
found, while a word that merely contains an opioid name ("normorphine") is not.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pharmacy.domain.prescription import MedicationInUse


class Severity(enum.StrEnum):
    HARD_STOP = "hard_stop"  # the order is held until a pharmacist overrides or rejects
    CAUTION = "caution"  # shown to the pharmacist, the order goes on


@dataclass(frozen=True)
class Finding:
    """One thing a pharmacist must see; `detail` is written for the pharmacist."""

    code: str
    severity: Severity
    detail: str


# What each name is: written as a clinic or patient would write it, mapped to the opioid.
OPIOIDS: Mapping[str, str] = {
    **{
        generic: generic
        for generic in (
            "morphine",
            "codeine",
            "dihydrocodeine",
            "hydrocodone",
            "benzhydrocodone",
            "oxycodone",
            "oxymorphone",
            "hydromorphone",
            "fentanyl",
            "sufentanil",
            "alfentanil",
            "remifentanil",
            "meperidine",
            "pethidine",
            "methadone",
            "levomethadyl",
            "buprenorphine",
            "levorphanol",
            "tapentadol",
            "tramadol",
            "pentazocine",
            "butorphanol",
            "nalbuphine",
            "opium",
            "diamorphine",
            "heroin",
            "propoxyphene",
            "oliceridine",
            "mitragynine",
        )
    },
    "paregoric": "opium",
    "laudanum": "opium",
    "kratom": "mitragynine",
    "OxyContin": "oxycodone",
    "Percocet": "oxycodone",
    "Percodan": "oxycodone",
    "Roxicodone": "oxycodone",
    "Roxicet": "oxycodone",
    "Endocet": "oxycodone",
    "Oxaydo": "oxycodone",
    "Xtampza": "oxycodone",
    "RoxyBond": "oxycodone",
    "Troxyca": "oxycodone",
    "Vicodin": "hydrocodone",
    "Norco": "hydrocodone",
    "Lortab": "hydrocodone",
    "Lorcet": "hydrocodone",
    "Vicoprofen": "hydrocodone",
    "Hysingla": "hydrocodone",
    "Zohydro": "hydrocodone",
    "Hycodan": "hydrocodone",
    "Tussionex": "hydrocodone",
    "Apadaz": "benzhydrocodone",
    "Dilaudid": "hydromorphone",
    "Exalgo": "hydromorphone",
    "Opana": "oxymorphone",
    "MS Contin": "morphine",
    "Kadian": "morphine",
    "Embeda": "morphine",
    "Duragesic": "fentanyl",
    "Actiq": "fentanyl",
    "Fentora": "fentanyl",
    "Subsys": "fentanyl",
    "Abstral": "fentanyl",
    "Sublimaze": "fentanyl",
    "Ultram": "tramadol",
    "Ultracet": "tramadol",
    "ConZip": "tramadol",
    "Nucynta": "tapentadol",
    "Suboxone": "buprenorphine",
    "Subutex": "buprenorphine",
    "Zubsolv": "buprenorphine",
    "Sublocade": "buprenorphine",
    "Brixadi": "buprenorphine",
    "Butrans": "buprenorphine",
    "Belbuca": "buprenorphine",
    "Buprenex": "buprenorphine",
    "Dolophine": "methadone",
    "Methadose": "methadone",
    "Demerol": "meperidine",
    "Talwin": "pentazocine",
    "Stadol": "butorphanol",
    "Nubain": "nalbuphine",
    "Tylenol with Codeine": "codeine",
    "Tylenol #2": "codeine",
    "Tylenol #3": "codeine",
    "Tylenol #4": "codeine",
    "Tylenol No. 3": "codeine",
    "Tylenol No. 4": "codeine",
    "Robitussin AC": "codeine",
    "Cheratussin AC": "codeine",
    "co-codamol": "codeine",
    "co-dydramol": "dihydrocodeine",
}

# RxNorm ingredient codes (RXCUI) of the opioids; a line is screened on its code too, so
# "pain pill" with RxNorm 7804 is still oxycodone.
OPIOID_RXNORM: Mapping[str, str] = {
    "7052": "morphine",
    "7804": "oxycodone",
    "2670": "codeine",
    "10689": "tramadol",
    "4337": "fentanyl",
    "6813": "methadone",
    "5489": "hydrocodone",
    "3423": "hydromorphone",
    "7814": "oxymorphone",
    "1819": "buprenorphine",
    "6754": "meperidine",
    "787390": "tapentadol",
    "6378": "levorphanol",
    "8001": "pentazocine",
    "1841": "butorphanol",
    "23088": "dihydrocodeine",
    "7676": "opium",
}

# A line that only names the class ("opioid pain medicine") is an opioid too, unless it
# is an antagonist or a reversal agent.
OPIOID_CLASS_WORDS = frozenset({"opioid", "opioids", "opiate", "opiates", "narcotic", "narcotics"})
NOT_AN_AGONIST_WORDS = frozenset({"antagonist", "antagonists", "blocker", "reversal"})

NALTREXONE: Mapping[str, str] = {
    "naltrexone": "naltrexone",
    "LDN": "naltrexone",
    "Vivitrol": "naltrexone",
    "Revia": "naltrexone",
    "Depade": "naltrexone",
    "Contrave": "naltrexone with bupropion",
    "Mysimba": "naltrexone with bupropion",
    "Embeda": "morphine with naltrexone",
    "Troxyca": "oxycodone with naltrexone",
}

# Opioid-receptor drugs that act mostly in the gut or against cough: LDN may blunt them.
OPIOID_CAUTIONS: Mapping[str, str] = {
    "loperamide": "loperamide",
    "Imodium": "loperamide",
    "diphenoxylate": "diphenoxylate",
    "Lomotil": "diphenoxylate",
    "difenoxin": "difenoxin",
    "Motofen": "difenoxin",
    "eluxadoline": "eluxadoline",
    "Viberzi": "eluxadoline",
    "dextromethorphan": "dextromethorphan",
    "DXM": "dextromethorphan",
    "Delsym": "dextromethorphan",
    "Robitussin DM": "dextromethorphan",
    "Mucinex DM": "dextromethorphan",
    "Tussin DM": "dextromethorphan",
    "NyQuil": "dextromethorphan",
    "DayQuil": "dextromethorphan",
    "Nuedexta": "dextromethorphan",
}

# Liver: naltrexone is contraindicated in acute hepatitis and in liver failure.
LIVER_FAILURE = ("liver failure", "hepatic failure", "ESLD", "end-stage liver", "ALF")
LIVER_FAILURE_MORE = ("decompensated cirrhosis", "hepatic decompensation", "acute liver injury")
HEPATITIS_WORDS = frozenset({"hepatitis", "hep", "hav", "hbv", "hcv", "hdv", "hev"})
ACUTE_WORDS = frozenset({"acute", "fulminant"})
LIVER_WORDS = HEPATITIS_WORDS | {
    "liver",
    "hepatic",
    "cirrhosis",
    "steatohepatitis",
    "steatosis",
    "nash",
    "nafld",
    "mash",
    "masld",
    "transaminitis",
}
# "history of hepatitis A, resolved": not acute now, but worth a look.
PAST_WORDS = frozenset(
    {"history", "hx", "resolved", "past", "prior", "previous", "recovered", "remote", "cured"}
)
# "hepatitis B vaccine", "HCV antibody negative": not a liver disease at all.
NOT_A_DISEASE_WORDS = frozenset(
    {"vaccine", "vaccinated", "vaccination", "immunization", "immunized", "immune", "immunity"}
    | {"negative", "screening"}
)

_WORD = re.compile(r"[^\W\d_]+|\d+")


def words(text: str) -> tuple[str, ...]:
    """`text` as the words it is made of: letters or digits, case folded."""
    return tuple(_WORD.findall(text.casefold()))


def _phrases(names: Mapping[str, str]) -> list[tuple[tuple[str, ...], str, str]]:
    return [(words(written), written, meaning) for written, meaning in names.items()]


_OPIOID_PHRASES = _phrases(OPIOIDS)
_NALTREXONE_PHRASES = _phrases(NALTREXONE)
_CAUTION_PHRASES = _phrases(OPIOID_CAUTIONS)
_FAILURE_PHRASES = [words(p) for p in (*LIVER_FAILURE, *LIVER_FAILURE_MORE)]


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    size = len(needle)
    return any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))


def _matches(text: str, phrases: Iterable[tuple[tuple[str, ...], str, str]]) -> list[str]:
    """What each name found in `text` is, e.g. "oxycodone" or "Percocet = oxycodone"."""
    found = words(text)
    by_meaning: dict[str, str] = {}
    for phrase, written, meaning in phrases:
        if _contains(found, phrase):
            plain = written.casefold() == meaning.casefold()
            if meaning not in by_meaning or not plain:  # "Percocet = oxycodone" says more
                by_meaning[meaning] = meaning if plain else f"{written} = {meaning}"
    return list(by_meaning.values())


def _opioids_in(medication: MedicationInUse) -> list[str]:
    matched = _matches(medication.name, _OPIOID_PHRASES)
    code = (medication.rxnorm or "").strip()
    if code in OPIOID_RXNORM:
        matched.append(f"RxNorm {code} = {OPIOID_RXNORM[code]}")
    named = set(words(medication.name))
    if named & OPIOID_CLASS_WORDS and not named & NOT_AN_AGONIST_WORDS and not matched:
        matched.append("named as an opioid")
    return matched


def _medication_findings(medication: MedicationInUse) -> list[Finding]:
    line = medication.name
    findings: list[Finding] = []
    opioids = _opioids_in(medication)
    if opioids:
        findings.append(
            Finding(
                "opioid_interaction",
                Severity.HARD_STOP,
                f'"{line}" is an opioid ({"; ".join(opioids)}): naltrexone blocks it and '
                "may precipitate withdrawal",
            )
        )
    already = _matches(medication.name, _NALTREXONE_PHRASES)
    if already:
        findings.append(
            Finding(
                "duplicate_naltrexone",
                Severity.HARD_STOP,
                f'"{line}" is naltrexone already ({"; ".join(already)}): '
                "a second source would double the dose",
            )
        )
    cautions = _matches(medication.name, _CAUTION_PHRASES)
    if cautions and not opioids:
        findings.append(
            Finding(
                "opioid_caution",
                Severity.CAUTION,
                f'"{line}" acts on opioid receptors ({"; ".join(cautions)}): '
                "naltrexone may make it work less well",
            )
        )
    return findings


def _allergy_finding(allergy: str) -> Finding | None:
    matched = _matches(allergy, _NALTREXONE_PHRASES)
    if not matched:
        return None
    return Finding(
        "naltrexone_allergy",
        Severity.HARD_STOP,
        f'allergy "{allergy}" is to naltrexone ({"; ".join(matched)})',
    )


def _liver_finding(condition: str) -> Finding | None:
    """Acute hepatitis or liver failure holds the order; other liver history is shown.

    Words can only soften a hard stop into a caution ("history of", "resolved"), never
    hide it, because a missed contraindication costs more than a second look.
    """
    found = words(condition)
    named = set(found)
    acute = (named & ACUTE_WORDS and named & HEPATITIS_WORDS) or any(
        _contains(found, phrase) for phrase in _FAILURE_PHRASES
    )
    if acute and not named & PAST_WORDS:
        return Finding(
            "liver_disease",
            Severity.HARD_STOP,
            f'condition "{condition}" is acute hepatitis or liver failure, where naltrexone '
            "is contraindicated",
        )
    if acute:
        return Finding(
            "liver_caution",
            Severity.CAUTION,
            f'condition "{condition}" is acute hepatitis or liver failure recorded as past: '
            "confirm it has resolved",
        )
    if named & LIVER_WORDS and not named & NOT_A_DISEASE_WORDS:
        return Finding(
            "liver_caution",
            Severity.CAUTION,
            f'condition "{condition}" concerns the liver: check it is not acute hepatitis or '
            "liver failure",
        )
    return None


def screen(
    medications: Sequence[MedicationInUse],
    allergies: Sequence[str],
    conditions: Sequence[str],
    other_active_ldn_orders: int,
) -> list[Finding]:
    """Everything a pharmacist must see before this patient's LDN is made.

    At most one finding of a kind per line of the patient's lists, so a long list does
    not bury the pharmacist; each finding quotes the line as the clinic wrote it.
    """
    findings: list[Finding] = []
    for medication in medications:
        findings.extend(_medication_findings(medication))
    for text, check in [
        *((allergy, _allergy_finding) for allergy in allergies),
        *((condition, _liver_finding) for condition in conditions),
    ]:
        finding = check(text)
        if finding is not None:
            findings.append(finding)
    if other_active_ldn_orders > 0:
        findings.append(
            Finding(
                "duplicate_naltrexone",
                Severity.HARD_STOP,
                f"the patient has {other_active_ldn_orders} other active LDN order(s): "
                "two fills at once would double the dose",
            )
        )
    return findings
