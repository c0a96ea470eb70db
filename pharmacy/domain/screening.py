"""Clinical screening of an LDN order before anything is made (domain.md §6 and §9).

Naltrexone blocks opioid receptors: a patient on LDN gets no effect from an opioid, or
is thrown into withdrawal by it, so any opioid in what the clinic sent holds the order
for a pharmacist. What is a drug is data (`drug_lexicon.Lexicon`); this module says
what each kind of finding means for this patient, in a pharmacist's words.

When in doubt the screen shows the pharmacist: a medication line it cannot recognise
is a caution ("unverified"), a misspelling is read as the opioid it is nearest to, and
words such as "stopped" or "no" never hide a named opioid, they only change what the
pharmacist is asked to confirm.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from .drug_lexicon import Kind, Lexicon, Reading
from .prescription import MedicationInUse


class Severity(enum.StrEnum):
    HARD_STOP = "hard_stop"  # the order is held until a pharmacist overrides or rejects
    CAUTION = "caution"  # shown to the pharmacist, the order goes on


@dataclass(frozen=True)
class Finding:
    """One thing a pharmacist must see; `detail` is written for the pharmacist and
    quotes the line as the clinic wrote it."""

    code: str
    severity: Severity
    detail: str


@dataclass(frozen=True)
class Lists:
    """What the clinic sent with this order about the patient."""

    medications: Sequence[MedicationInUse] = ()
    allergies: Sequence[str] = ()
    conditions: Sequence[str] = ()
    notes: str | None = None
    diagnosis: str | None = None


OPIOID_FREE = (
    "confirm the patient has taken no opioid for 7-10 days (10-14 after methadone or "
    "buprenorphine) before the first dose"
)
# Words that say an opioid belongs to the past; the order still holds (domain §9).
PAST_WORDS = frozenset(
    [
        "stopped",
        "discontinued",
        "dc'd",
        "dcd",
        "former",
        "formerly",
        "previous",
        "previously",
        "past",
        "prior",
        "history",
        "hx",
        "quit",
        "weaned",
        "tapered",
        "ago",
        "remission",
        "recovery",
        "recovered",
    ]
)
PAST_PHRASES = (("h", "o"), ("no", "longer"), ("used", "to"), ("off", "of"), ("d", "c"))
# Words that deny an opioid class ("no opioids", "opioid-free", "denies opioid use").
DENIAL_WORDS = frozenset(
    ["no", "not", "denies", "denied", "never", "free", "naive", "without", "none"]
)
CLASS_WORDS = frozenset(["opioid", "opioids", "opiate", "opiates", "narcotic", "narcotics"])
USE_DISORDER = (
    ("use", "disorder"),
    ("dependence",),
    ("dependency",),
    ("addiction",),
    ("abuse",),
    ("misuse",),
)
NOT_AN_AGONIST_WORDS = frozenset({"antagonist", "antagonists", "blocker", "reversal"})

# Liver: naltrexone is contraindicated in acute hepatitis and liver failure.
FAILURE_PHRASES = (
    ("liver", "failure"),
    ("hepatic", "failure"),
    ("esld",),
    ("end", "stage", "liver"),
    ("alf",),
    ("decompensated", "cirrhosis"),
    ("hepatic", "decompensation"),
    ("acute", "liver", "injury"),
)
HEPATITIS_WORDS = frozenset({"hepatitis", "hep", "hav", "hbv", "hcv", "hdv", "hev"})
ACUTE_WORDS = frozenset({"acute", "fulminant"})
LIVER_WORDS = HEPATITIS_WORDS | frozenset(
    [
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
        "lft",
        "lfts",
        "hepatitides",
    ]
)
LIVER_PAST_WORDS = frozenset(
    {"history", "hx", "resolved", "past", "prior", "previous", "recovered", "remote", "cured"}
)
NOT_A_DISEASE_WORDS = frozenset(
    {"vaccine", "vaccinated", "vaccination", "immunization", "immunized", "immune", "immunity"}
    | {"negative", "screening"}
)
PREGNANCY_WORDS = frozenset(["pregnant", "pregnancy", "trimester", "gestation", "gestational"])
NEGATION_WORDS = frozenset({"no", "not", "negative", "denies"})


def screen(lists: Lists, lexicon: Lexicon, *, other_active_ldn_orders: int) -> list[Finding]:
    """Everything a pharmacist must see before this patient's LDN is made.

    At most one finding of a kind per line, so a long list does not bury the
    pharmacist; each finding quotes the line and names what was recognised in it."""
    findings: list[Finding] = []
    for medication in lists.medications:
        findings.extend(_medication(lexicon.read(medication.name, medication.rxnorm)))
    for allergy in lists.allergies:
        findings.extend(_allergy(lexicon.read(allergy)))
    for condition in lists.conditions:
        reading = lexicon.read(condition)  # its words are read once, for every rule
        findings.extend(_told(reading, "condition"))
        findings.extend(_liver(condition, reading.words))
        findings.extend(_pregnancy(condition, reading.words))
    if lists.notes:
        findings.extend(
            _told(lexicon.read(lists.notes), "the prescriber's notes", naltrexone=False)
        )
    if lists.diagnosis:
        findings.extend(_diagnosis(lists.diagnosis))
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


def read_lists(lists: Lists, lexicon: Lexicon) -> dict[str, list[Reading]]:
    """What was recognised in each line, for the order page."""
    return {
        "medications": [lexicon.read(m.name, m.rxnorm) for m in lists.medications],
        "allergies": [lexicon.read(a) for a in lists.allergies],
        "conditions": [lexicon.read(c) for c in lists.conditions],
    }


def _names(reading: Reading, kind: Kind) -> str:
    seen: dict[str, None] = {}
    for recognised in reading.of_kind(kind):
        seen.setdefault(recognised.describe(), None)
    return "; ".join(seen)


def _past(said: tuple[str, ...]) -> bool:
    return bool(set(said) & PAST_WORDS) or any(_contains(said, p) for p in PAST_PHRASES)


def _contains(said: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(said[i : i + size] == phrase for i in range(len(said) - size + 1))


def _medication(reading: Reading) -> list[Finding]:
    line = reading.line
    findings = []
    if reading.of_kind(Kind.OPIOID):
        findings.append(_opioid(reading, f'"{line}"'))
    elif _class_named(reading.words):
        findings.append(
            Finding(
                "opioid_interaction",
                Severity.HARD_STOP,
                f'"{line}" names an opioid without saying which: naltrexone blocks opioids '
                "and may precipitate withdrawal; find out what it is",
            )
        )
    if reading.of_kind(Kind.NALTREXONE):
        findings.append(
            Finding(
                "duplicate_naltrexone",
                Severity.HARD_STOP,
                f'"{line}" is naltrexone already ({_names(reading, Kind.NALTREXONE)}): '
                "a second source would double the dose",
            )
        )
    if findings:
        return findings
    for kind, code, why in (
        (
            Kind.PAMORA,
            "opioid_likely",
            "is a peripheral opioid blocker for opioid-induced constipation: the patient is "
            "probably taking an opioid; ask which, and when it was last taken",
        ),
        (
            Kind.ANTAGONIST,
            "opioid_antagonist",
            "is another opioid antagonist: taken with naltrexone the blockade adds up, and "
            "the patient must not be on opioids",
        ),
        (
            Kind.OPIOID_CAUTION,
            "opioid_caution",
            "acts on opioid receptors: naltrexone may make it work less well",
        ),
    ):
        if reading.of_kind(kind):
            return [Finding(code, Severity.CAUTION, f'"{line}" ({_names(reading, kind)}) {why}')]
    if not reading.recognised:
        return [
            Finding(
                "unverified_medication",
                Severity.CAUTION,
                f'"{line}" was not recognised as any medicine the screen knows: check it is '
                "not an opioid before the order goes on",
            )
        ]
    return []


def _opioid(reading: Reading, where: str) -> Finding:
    names = _names(reading, Kind.OPIOID)
    if _past(reading.words):
        return Finding(
            "opioid_history",
            Severity.HARD_STOP,
            f"{where} records opioid use ({names}) as past: {OPIOID_FREE}",
        )
    return Finding(
        "opioid_interaction",
        Severity.HARD_STOP,
        f"{where} is an opioid ({names}): naltrexone blocks it and may precipitate withdrawal",
    )


def _class_named(said: tuple[str, ...]) -> bool:
    """A line that names only the class ("opioid pain medicine"), not an antagonist
    and not a denial ("no opioids", "opioid-free")."""
    named = set(said)
    return bool(
        named & CLASS_WORDS and not named & NOT_AN_AGONIST_WORDS and not named & DENIAL_WORDS
    )


def _told(reading: Reading, what: str, *, naltrexone: bool = True) -> list[Finding]:
    """Opioid therapy or history named in a condition or the notes ("OUD on
    methadone", "chronic pain on oxycodone", "stopped oxycodone 2019")."""
    said = reading.words
    where = f'{what} "{reading.line}"'
    findings = []
    if reading.of_kind(Kind.OPIOID):
        finding = _opioid(reading, where)
        if finding.code == "opioid_interaction":
            finding = Finding(
                "opioid_therapy",
                Severity.HARD_STOP,
                f"{where} names opioid therapy ({_names(reading, Kind.OPIOID)}): naltrexone "
                f"blocks it and may precipitate withdrawal; {OPIOID_FREE}",
            )
        findings.append(finding)
    elif "oud" in said or (
        set(said) & CLASS_WORDS and any(_contains(said, p) for p in USE_DISORDER)
    ):
        findings.append(
            Finding(
                "opioid_history",
                Severity.HARD_STOP,
                f"{where} is an opioid use disorder: {OPIOID_FREE}",
            )
        )
    elif _class_named(said):
        findings.append(
            Finding(
                "opioid_therapy",
                Severity.HARD_STOP,
                f"{where} speaks of opioids: {OPIOID_FREE}",
            )
        )
    if naltrexone and reading.of_kind(Kind.NALTREXONE):
        findings.append(
            Finding(
                "duplicate_naltrexone",
                Severity.HARD_STOP,
                f"{where} says the patient takes naltrexone already "
                f"({_names(reading, Kind.NALTREXONE)}): a second source would double the dose",
            )
        )
    if reading.of_kind(Kind.PAMORA) and not findings:
        findings.append(
            Finding(
                "opioid_likely",
                Severity.CAUTION,
                f"{where} names a peripheral opioid blocker ({_names(reading, Kind.PAMORA)}): "
                "the patient is probably taking an opioid",
            )
        )
    return findings


def _allergy(reading: Reading) -> list[Finding]:
    line = reading.line
    if reading.of_kind(Kind.NALTREXONE):
        return [
            Finding(
                "naltrexone_allergy",
                Severity.HARD_STOP,
                f'allergy "{line}" is to naltrexone ({_names(reading, Kind.NALTREXONE)})',
            )
        ]
    naloxone = [r for r in reading.found if r.term.substance == "naloxone"]
    if naloxone:
        return [
            Finding(
                "naloxone_allergy",
                Severity.CAUTION,
                f'allergy "{line}" is to naloxone, a close relative of naltrexone: ask what '
                "happened before the first dose",
            )
        ]
    if reading.of_kind(Kind.FORMULA_COMPONENT):
        return [
            Finding(
                "formula_allergy",
                Severity.CAUTION,
                f'allergy "{line}" ({_names(reading, Kind.FORMULA_COMPONENT)}) is to something '
                "in the capsules (filler or shell): choose another filler, capsule or the oral "
                "liquid",
            )
        ]
    return []


def _liver(condition: str, said: tuple[str, ...]) -> list[Finding]:
    """Acute hepatitis or liver failure holds the order; other liver disease is shown.

    Words can only soften a hard stop into a caution ("history of", "resolved"), never
    hide it, because a missed contraindication costs more than a second look."""
    named = set(said)
    acute = (named & ACUTE_WORDS and named & HEPATITIS_WORDS) or any(
        _contains(said, phrase) for phrase in FAILURE_PHRASES
    )
    if acute and not named & LIVER_PAST_WORDS:
        return [
            Finding(
                "liver_disease",
                Severity.HARD_STOP,
                f'condition "{condition}" is acute hepatitis or liver failure, where '
                "naltrexone is contraindicated",
            )
        ]
    if acute:
        return [
            Finding(
                "liver_caution",
                Severity.CAUTION,
                f'condition "{condition}" is acute hepatitis or liver failure recorded as '
                "past: confirm it has resolved",
            )
        ]
    if named & LIVER_WORDS and not named & NOT_A_DISEASE_WORDS:
        return [
            Finding(
                "liver_caution",
                Severity.CAUTION,
                f'condition "{condition}" concerns the liver: check it is not acute hepatitis '
                "or liver failure, and consider liver tests",
            )
        ]
    return []


def _pregnancy(condition: str, said: tuple[str, ...]) -> list[Finding]:
    named = set(said)
    if named & PREGNANCY_WORDS and not named & NEGATION_WORDS:
        return [
            Finding(
                "pregnancy",
                Severity.CAUTION,
                f'condition "{condition}": LDN in pregnancy is a prescriber\'s decision; '
                "confirm it was made knowingly",
            )
        ]
    return []


def _diagnosis(code: str) -> list[Finding]:
    """ICD-10-CM codes that mean opioids: F11 opioid-related disorders, Z79.891 long-term
    use of opiate analgesic, K72 hepatic failure."""
    upper = code.upper()
    if upper.startswith("F11"):
        return [
            Finding(
                "opioid_history",
                Severity.HARD_STOP,
                f"diagnosis {code} is an opioid-related disorder: {OPIOID_FREE}",
            )
        ]
    if upper.startswith("Z79.891"):
        return [
            Finding(
                "opioid_therapy",
                Severity.HARD_STOP,
                f"diagnosis {code} is long-term use of an opioid: naltrexone blocks it and "
                "may precipitate withdrawal",
            )
        ]
    if upper.startswith("K72"):
        return [
            Finding(
                "liver_disease",
                Severity.HARD_STOP,
                f"diagnosis {code} is hepatic failure, where naltrexone is contraindicated",
            )
        ]
    return []
