"""The tables of the opioid screen's battery (domain.md §6 and §9), and its helpers.

The lexicon is built once, here, from the drug data packaged with the service; the
RxNorm cases are generated from `pharmacy/drug_data/opioid-rxnorm.tsv` itself, read by
this module without the screen's own parser, so a row the screen misreads shows up.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pharmacy
from pharmacy.domain.prescription import MedicationInUse
from pharmacy.domain.screening import Finding, Lists, Severity, screen
from pharmacy.services.reference.drug_data import build, packaged

LEXICON = build(*packaged(), "tests")

RXNORM_FILE = Path(pharmacy.__file__).parent / "drug_data" / "opioid-rxnorm.tsv"

# ---------------------------------------------------------------------------------------
# Screening helpers


def run(
    medications=(),
    allergies=(),
    conditions=(),
    notes=None,
    diagnosis=None,
    other_active_ldn_orders=0,
) -> list[Finding]:
    meds = [m if isinstance(m, MedicationInUse) else MedicationInUse(m) for m in medications]
    lists = Lists(
        medications=meds,
        allergies=list(allergies),
        conditions=list(conditions),
        notes=notes,
        diagnosis=diagnosis,
    )
    return screen(lists, LEXICON, other_active_ldn_orders=other_active_ldn_orders)


def med(name: str, rxnorm: str | None = None) -> list[Finding]:
    return run(medications=[MedicationInUse(name, rxnorm)])


def shown(findings: list[Finding]) -> list[tuple[str, str, str]]:
    """Findings as plain tuples, for assertion messages a reader can follow."""
    return [(f.code, f.severity.value, f.detail) for f in findings]


def hard_stops(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.HARD_STOP]


def assert_held(
    findings: list[Finding],
    quoted: str,
    names=(),
    codes=("opioid_interaction",),
) -> Finding:
    """Exactly one hard stop of one of `codes`, quoting `quoted` as sent and naming one
    of `names` (what the screen should have recognised)."""
    stops = [f for f in hard_stops(findings) if f.code in codes]
    assert len(stops) == 1, f"expected one hard stop {codes} for {quoted!r}, got {shown(findings)}"
    (finding,) = stops
    assert f'"{quoted}"' in finding.detail, f"the line is not quoted: {finding.detail!r}"
    if names:
        assert any(n in finding.detail for n in names), (
            f"expected one of {list(names)} named in {finding.detail!r}"
        )
    return finding


def one_of_each_kind(findings: list[Finding]) -> None:
    counts = Counter(f.code for f in findings)
    assert all(n == 1 for n in counts.values()), f"a kind repeated: {shown(findings)}"


# ---------------------------------------------------------------------------------------
# The RxNorm value sets, read independently of the screen

# Not opioids: what an opioid product is combined with (domain.md §9 "companions").
COMPANIONS = frozenset(
    [
        "acetaminophen",
        "aspirin",
        "ibuprofen",
        "caffeine",
        "butalbital",
        "carisoprodol",
        "celecoxib",
        "chlorpheniramine",
        "brompheniramine",
        "dexbrompheniramine",
        "dexchlorpheniramine",
        "bromodiphenhydramine",
        "chlorcyclizine",
        "cyclizine",
        "pyrilamine",
        "triprolidine",
        "pseudoephedrine",
        "phenylephrine",
        "phenylpropanolamine",
        "guaifenesin",
        "homatropine",
        "promethazine",
        "naloxone",
        "naltrexone",
        "loperamide",
        "belladonna",
        "kaolin",
        "septemlobus",  # Kalopanax septemlobus bark extract
    ]
)
# Ingredients that domain.md §6 makes a caution, not a hold.
CAUTION_INGREDIENTS = frozenset(["loperamide", "diphenoxylate", "dextromethorphan"])
# Words of an RxNorm name that say which salt or preparation, not which drug.
SALTS = frozenset(
    [
        "hydrochloride",
        "bitartrate",
        "sulfate",
        "phosphate",
        "tartrate",
        "maleate",
        "polistirex",
        "methylbromide",
        "liposomal",
        "tincture",
        "terephthalate",
        "napsylate",
        "alkaloids",
        "bark",
        "extract",
    ]
)
# Another name a pharmacist may be told for an ingredient of the value sets.
ALSO_NAMED = {
    "paregoric": "opium",
    "benzhydrocodone": "hydrocodone",
    "levomethadyl": "methadone",
    "propoxyphene": "dextropropoxyphene",
}
_LOWER_RUN = re.compile(r"\b[a-z][a-z\-]*(?: [a-z][a-z\-]*)*")
_BRACKETS = re.compile(r"\[([^\]]+)\]")
_BRAND_TAIL = re.compile(r"\s+(?:\d.*|Reformulated.*)$")


def rxnorm_rows() -> list[tuple[str, str]]:
    with RXNORM_FILE.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        assert reader.fieldnames[:3] == ["rxcui", "name", "value_sets"]
        return [(row["rxcui"].strip(), row["name"].strip()) for row in reader if row["rxcui"]]


def all_ingredients(name: str) -> list[str]:
    """Every ingredient a name gives: the lower-case words before the strength of each
    " / " part, salts dropped. "acetaminophen 325 MG / oxycodone hydrochloride 5 MG
    Oral Tablet [Percocet]" -> ["acetaminophen", "oxycodone"]."""
    found = []
    for part in _BRACKETS.sub("", name).split(" / "):
        run = _LOWER_RUN.search(part)
        if run:
            kept = " ".join(w for w in run.group().split() if w not in SALTS)
            if kept:
                found.append(kept)
    return found


def opioid_ingredients(name: str) -> list[str]:
    return [
        i for i in all_ingredients(name) if i not in COMPANIONS and i not in CAUTION_INGREDIENTS
    ]


def brands(name: str) -> list[str]:
    return [_BRAND_TAIL.sub("", b).strip() for b in _BRACKETS.findall(name)]


def namings(opioids) -> tuple[str, ...]:
    """What a detail may call these opioids."""
    names = set(opioids)
    names |= {ALSO_NAMED[o] for o in opioids if o in ALSO_NAMED}
    return tuple(sorted(names))


ROWS = rxnorm_rows()

_brand_opioids: dict[str, set[str]] = {}
_brand_written: dict[str, str] = {}
for _rxcui, _name in ROWS:
    for _brand in brands(_name):
        key = _brand.casefold()
        _brand_written.setdefault(key, _brand)
        _brand_opioids.setdefault(key, set()).update(opioid_ingredients(_name))
# Every distinct bracketed brand of the value sets, and the opioids its rows name.
RXNORM_BRANDS = sorted(
    ((_brand_written[k], tuple(sorted(v))) for k, v in _brand_opioids.items()),
    key=lambda pair: pair[0].casefold(),
)

# Every distinct opioid ingredient of the value sets.
RXNORM_INGREDIENTS = sorted({i for _, name in ROWS for i in opioid_ingredients(name)})


def _row_opioids(name: str) -> tuple[str, ...]:
    opioids = set(opioid_ingredients(name))
    for brand in brands(name):
        opioids |= _brand_opioids.get(brand.casefold(), set())
    return tuple(sorted(opioids))


# Codes whose rows name only a drug domain.md §6 makes a caution (RxNorm 6468
# loperamide is in the VSAC "Opioids" value set): shown as a caution, not held.
CAUTION_CODES = {
    rxcui: name
    for rxcui, name in ROWS
    if all_ingredients(name) and set(all_ingredients(name)) <= CAUTION_INGREDIENTS
}
# A sample of the codes, every eighth by number, with the opioids their rows name.
_named_rows = sorted(
    ((rxcui, name, _row_opioids(name)) for rxcui, name in ROWS if _row_opioids(name)),
    key=lambda row: int(row[0]),
)
RXNORM_CODE_SAMPLE = _named_rows[::8]
MEANINGLESS_NAMES = ("pain pill", "med", "see list", "as directed", "1 tab", "per pt")

# ---------------------------------------------------------------------------------------
# domain.md §6: generics and brands, and how clinics write them (§9)

DOMAIN_GENERICS = [
    "morphine",
    "codeine",
    "dihydrocodeine",
    "hydrocodone",
    "oxycodone",
    "oxymorphone",
    "hydromorphone",
    "fentanyl",
    "sufentanil",
    "alfentanil",
    "remifentanil",
    "meperidine",
    "methadone",
    "buprenorphine",
    "levorphanol",
    "tapentadol",
    "tramadol",
    "pentazocine",
    "butorphanol",
    "nalbuphine",
    "opium",
]

DOMAIN_BRANDS = [
    ("OxyContin 20 mg ER", "oxycodone"),
    ("Percocet 5/325", "oxycodone"),
    ("Roxicodone 15 mg", "oxycodone"),
    ("Vicodin", "hydrocodone"),
    ("Norco 10/325", "hydrocodone"),
    ("Lortab 7.5/325", "hydrocodone"),
    ("Dilaudid 2 mg", "hydromorphone"),
    ("Duragesic 25 mcg/hr patch", "fentanyl"),
    ("Ultram 50 mg", "tramadol"),
    ("Nucynta ER 100 mg", "tapentadol"),
    ("Suboxone 8/2 mg film", "buprenorphine"),
    ("Subutex", "buprenorphine"),
    ("Zubsolv", "buprenorphine"),
    ("Sublocade monthly injection", "buprenorphine"),
    ("Butrans patch", "buprenorphine"),
    ("Belbuca buccal film", "buprenorphine"),
    ("Dolophine 10 mg", "methadone"),
    ("Methadose oral concentrate", "methadone"),
    ("Demerol", "meperidine"),
    ("Tylenol with Codeine", "codeine"),
    ("Tylenol #3", "codeine"),
]

CLINIC_WRITINGS = [
    # combinations
    ("hydrocodone/APAP 5/325", "hydrocodone"),
    ("Norco 10/325", "hydrocodone"),
    ("APAP/codeine 300/30", "codeine"),
    ("Tylenol #3", "codeine"),
    ("Tylenol with Codeine", "codeine"),
    ("buprenorphine/naloxone", "buprenorphine"),
    ("buprenorphine-naloxone 8-2 mg SL film", "buprenorphine"),
    ("buprenorphine\u2013naloxone 8\u20132 mg", "buprenorphine"),  # en dashes
    ("oxycodone\u2014acetaminophen 5/325", "oxycodone"),  # em dash
    ("oxycodone-acetaminophen", "oxycodone"),
    ("oxycodone w/ APAP 5/325", "oxycodone"),
    ("acetaminophen-codeine #3", "codeine"),
    ("codeine/APAP 30/300", "codeine"),
    ("Tylenol No. 3", "codeine"),
    ("Tylenol 3", "codeine"),
    ("tylenol #4 prn", "codeine"),
    ("Tylenol-Codeine #3", "codeine"),
    ("Robitussin AC", "codeine"),
    ("Fioricet with codeine", "codeine"),
    ("promethazine with codeine 6.25-10 mg/5 mL", "codeine"),
    ("NORCO 5-325 MG TAB", "hydrocodone"),
    ("Percocet 7.5/325mg", "oxycodone"),
    # tall-man and case
    ("oxyCODONE", "oxycodone"),
    ("HYDROmorphone", "hydromorphone"),
    ("HYDROcodone bitartrate", "hydrocodone"),
    ("oxyCODONE 5 mg tablet", "oxycodone"),
    ("OXYCODONE", "oxycodone"),
    ("OxYcOdOnE", "oxycodone"),
    # strengths glued, salts, doses and sigs
    ("oxycodone5mg", "oxycodone"),
    ("Norco10/325", "hydrocodone"),
    ("tramadol50mg", "tramadol"),
    ("oxycodone HCl 5 mg", "oxycodone"),
    ("morphine sulfate 15 mg", "morphine"),
    ("oxyCODONE 5 mg tab q6h prn", "oxycodone"),
    ("HYDROcodone-acetaminophen 10-325 mg 1 tab PO q4-6h PRN pain", "hydrocodone"),
    ("hydromorphone 2mg po q4h prn", "hydromorphone"),
    ("morphine ER 15 mg q12h", "morphine"),
    ("MS Contin 15 mg", "morphine"),
    ("fentanyl 25 mcg/hr patch change q72h", "fentanyl"),
    ("fentanyl 12 mcg/h transdermal", "fentanyl"),
    ("tramadol 50mg 1-2 tabs q6h prn", "tramadol"),
    ("tramadol ER", "tramadol"),
    ("methadone 10 mg daily (clinic dosed)", "methadone"),
    ("Suboxone 8mg/2mg SL film daily", "buprenorphine"),
    ("kratom", "mitragynine"),
    ("opioid pain medication as needed", "names an opioid"),
    # as EHRs print them
    ("oxyCODONE (ROXICODONE) 5 MG immediate release tablet", "oxycodone"),
    ("traMADol (ULTRAM) 50 MG tablet", "tramadol"),
    ("HYDROcodone-acetaminophen (NORCO) 5-325 MG per tablet", "hydrocodone"),
    ("morphine (MS CONTIN) 15 MG 12 hr tablet", "morphine"),
    ("buprenorphine-naloxone (SUBOXONE) 8-2 mg SL film", "buprenorphine"),
    ("OXYCODONE/ACETAMINOPHEN 5-325MG TABS", "oxycodone"),
    ("Hydrocodone-Acetaminophen 7.5-325 MG Oral Tablet", "hydrocodone"),
    ("methadone HCl 10mg/mL oral concentrate", "methadone"),
    ("fentaNYL 25 mcg/hr", "fentanyl"),
    ("Tylenol w/ codeine #3", "codeine"),
    ("Tylenol#3", "codeine"),
    ("Oxy-Contin 20 mg", "oxycodone"),
    ("hydro-codone 10 mg", "hydrocodone"),
    ("Percocet\u2122 10/325", "oxycodone"),
    ("OxyContin\u00ae 10 mg", "oxycodone"),
    ("(oxycodone)", "oxycodone"),
    ("oxycodone,tramadol", "oxycodone"),
]

# ---------------------------------------------------------------------------------------
# What the issue found missed (§9)

MISSED_BRANDS = [
    ("Nalocet", "oxycodone"),
    ("Primlev", "oxycodone"),
    ("Prolate", "oxycodone"),
    ("OxyIR", "oxycodone"),
    ("Hycet", "hydrocodone"),
    ("Xodol", "hydrocodone"),
    ("Verdrocet", "hydrocodone"),
    ("Ibudone", "hydrocodone"),
    ("Reprexain", "hydrocodone"),
    ("Infumorph", "morphine"),
    ("Qdolo", "tramadol"),
    ("Seglentis", "tramadol"),
    ("Darvocet", "propoxyphene"),
    ("Synalgos-DC", "dihydrocodeine"),
    ("Trezix", "dihydrocodeine"),
    ("Tuzistra XR", "codeine"),
    ("Tuxarin ER", "codeine"),
    ("Bunavail", "buprenorphine"),
    ("Probuphine", "buprenorphine"),
    ("Lazanda", "fentanyl"),
    ("Dsuvia", "sufentanil"),
    ("Olinvyk", "oliceridine"),
    ("Xartemis XR", "oxycodone"),
    ("Roxicet", "oxycodone"),
    ("Cassipa", "buprenorphine"),
]

# (code, opioid): products the issue named, and the ingredient codes of domain.md §6.
RXNORM_CODES = [
    ("1049621", "oxycodone"),
    ("1049640", "oxycodone"),
    ("856987", "hydrocodone"),
    ("352364", "buprenorphine"),
    ("1860154", "oxycodone"),
    ("7238", "nalbuphine"),
    ("56795", "sufentanil"),
    ("7052", "morphine"),
    ("7804", "oxycodone"),
    ("2670", "codeine"),
    ("10689", "tramadol"),
    ("4337", "fentanyl"),
    ("6813", "methadone"),
    ("5489", "hydrocodone"),
]

ABBREVIATIONS = [
    ("MSO4", "morphine"),
    ("MSO4 15 mg IR q4h prn", "morphine"),
    ("MSIR", "morphine"),
    ("MSContin", "morphine"),
    ("MS Contin", "morphine"),
    ("ms contin 30 mg q12h", "morphine"),
    ("B&O suppository", "opium"),
    ("B & O supp 16.2/60 mg", "opium"),
]

# (line, opioid, whether the detail must say it was read as a misspelling)
MISSPELLINGS = [
    ("percoset", "oxycodone", True),
    ("oxycodon", "oxycodone", True),
    ("tramadal", "tramadol", True),
    ("oxy codone", "oxycodone", False),
    ("hydrocodon", "hydrocodone", True),
    ("fentanil", "fentanyl", False),  # the INN spelling, known as written
    ("morphin", "morphine", True),
    ("Percocett", "oxycodone", True),
    ("oxycontin", "oxycodone", False),
    ("percoset 5/325 q6h prn", "oxycodone", True),
    ("OXYCODON 10 MG", "oxycodone", True),
]

NOT_PRESCRIBED_OPIOIDS = [
    ("kratom", "mitragynine"),
    ("kratom capsules daily", "mitragynine"),
    ("mitragynine", "mitragynine"),
    ("7-hydroxymitragynine", "7-hydroxymitragynine"),
    ("7-OH", "7-hydroxymitragynine"),
    ("7-OH tablets from smoke shop", "7-hydroxymitragynine"),
    ("tianeptine", "tianeptine"),
    ("Tianaa (tianeptine) supplement", "tianeptine"),
    ("heroin", "heroin"),
    ("HEROIN", "heroin"),
]

# ---------------------------------------------------------------------------------------
# Invisible and look-alike characters (§9): each trick as a pharmacist would not see it


def _insert(char: str):
    def trick(word: str) -> str:
        return word[:3] + char + word[3:]

    return trick


def _swap(pairs):
    """Replace the first letter of `pairs` the word has with its look-alike."""

    def trick(word: str) -> str:
        for latin, alike in pairs:
            at = word.find(latin)
            if at >= 0:
                return word[:at] + alike + word[at + 1 :]
        raise AssertionError(f"no letter to swap in {word!r}")

    return trick


def _fullwidth(word: str) -> str:
    return "".join(chr(ord(c) - 0x21 + 0xFF01) if "!" <= c <= "~" else c for c in word)


def _accent(word: str) -> str:
    at = min(i for i, c in enumerate(word) if c in "aeiouAEIOU")
    return word[: at + 1] + "\u0301" + word[at + 1 :]


WORD_TRICKS = [
    ("zero-width-space", _insert("\u200b")),
    ("soft-hyphen", _insert("\u00ad")),
    ("word-joiner", _insert("\u2060")),
    ("bom", _insert("\ufeff")),
    ("zero-width-joiner", _insert("\u200d")),
    ("cyrillic-o", _swap([("o", "\u043e"), ("a", "\u0430")])),
    ("cyrillic-e", _swap([("e", "\u0435"), ("a", "\u0430")])),
    ("greek-omicron", _swap([("o", "\u03bf"), ("a", "\u03b1")])),
    ("fullwidth", _fullwidth),
    ("combining-acute", _accent),
]


# Whole-word disguises: every letter Cyrillic or mathematical bold, a zero-width space
# between every letter, a combining accent on every vowel.
WHOLE_WORD_DISGUISES = [
    ("\u043e\u0445\u0443\u0441\u043ed\u043en\u0435 5 mg", "oxycodone"),
    (
        "\U0001d428\U0001d431\U0001d432\U0001d41c\U0001d428\U0001d41d\U0001d428\U0001d427\U0001d41e",
        "oxycodone",
    ),
    ("\u200b".join("oxycodone"), "oxycodone"),
    ("\u00ad".join("methadone"), "methadone"),
    ("o\u0301xyco\u0301do\u0301ne\u0301", "oxycodone"),
    ("\u0420ercocet 5/325", "oxycodone"),  # Cyrillic capital Er for P
    ("\uff30\uff25\uff32\uff23\uff2f\uff23\uff25\uff34", "oxycodone"),  # PERCOCET fullwidth
    ("tramadol\u00a050\u00a0mg\u00a0q6h\u00a0prn", "tramadol"),
    ("\u2060fentanyl\u2060 patch", "fentanyl"),
    ("\ufeffmethadone 10 mg", "methadone"),
]


def disguised(before: str, word: str, after: str) -> list[tuple[str, str]]:
    """(trick, line) for each trick applied to `word` between `before` and `after`, and
    the line with non-breaking spaces between its words."""
    variants = [(name, f"{before}{trick(word)}{after}") for name, trick in WORD_TRICKS]
    variants.append(("nbsp", f"{before}{word}{after}".replace(" ", "\u00a0")))
    return variants


# (word as written, the rest of the line, what the detail must name)
DISGUISED_OPIOIDS = [
    ("oxycodone", " 5 mg", "oxycodone"),
    ("Percocet", " 5/325", "oxycodone"),
    ("tramadol", " 50 mg", "tramadol"),
    ("fentanyl", " 25 mcg/hr patch", "fentanyl"),
    ("methadone", " 10 mg", "methadone"),
]

# ---------------------------------------------------------------------------------------
# Conditions, notes and diagnosis (§9)

OPIOID_FREE = re.compile(r"7[-\u2013]10 days")
THERAPY_OR_HISTORY = ("opioid_therapy", "opioid_history")

# (where, text, codes accepted, what the detail must name)
TOLD_OPIOIDS = [
    ("conditions", "OUD on methadone", THERAPY_OR_HISTORY, "methadone"),
    ("conditions", "chronic pain on oxycodone", ("opioid_therapy",), "oxycodone"),
    ("conditions", "stopped oxycodone 2019", ("opioid_history",), "oxycodone"),
    ("conditions", "history of heroin use", ("opioid_history",), "heroin"),
    ("conditions", "opioid use disorder", ("opioid_history",), "opioid use disorder"),
    ("conditions", "Opioid use disorder, in remission, on Suboxone", THERAPY_OR_HISTORY, ""),
    ("conditions", "chronic back pain - takes Percocet", ("opioid_therapy",), "oxycodone"),
    ("conditions", "Hx opioid dependence", ("opioid_history",), ""),
    ("conditions", "methadone maintenance", THERAPY_OR_HISTORY, "methadone"),
    ("conditions", "OUD", ("opioid_history",), ""),
    ("conditions", "long-term opioid therapy", ("opioid_therapy",), ""),
    ("notes", "patient takes Norco nightly", ("opioid_therapy",), "hydrocodone"),
    ("notes", "on tramadol 50 mg for knee pain", ("opioid_therapy",), "tramadol"),
    ("notes", "weaned off fentanyl patch last month", ("opioid_history",), "fentanyl"),
    ("notes", "stopped oxycodone 2019", ("opioid_history",), "oxycodone"),
    # a denial never hides a named opioid
    (
        "notes",
        "Patient denies opioid use. Takes Norco nightly for back pain.",
        ("opioid_therapy",),
        "hydrocodone",
    ),
    ("notes", "no opioids; stopped kratom last year", ("opioid_history",), "mitragynine"),
    ("diagnosis", "F11.20", ("opioid_history",), "F11.20"),
    ("diagnosis", "F11.21", ("opioid_history",), "F11.21"),
    ("diagnosis", "f11.90", ("opioid_history",), "f11.90"),
    ("diagnosis", "Z79.891", ("opioid_therapy",), "Z79.891"),
]

# (where, text): opioids denied or never named: no hard stop
TOLD_NO_OPIOID = [
    ("notes", "no opioids"),
    ("notes", "opioid-free"),
    ("notes", "denies opioid use"),
    ("notes", "opioid naive"),
    ("notes", "No opiates or narcotics"),
    ("notes", "start LDN 1.5 mg at bedtime, titrate to 4.5 mg"),
    ("conditions", "fibromyalgia"),
    ("conditions", "no opioid use"),
    ("diagnosis", "M79.7"),
    ("diagnosis", "G35"),
]

# ---------------------------------------------------------------------------------------
# Cautions: shown, never held (§6, §9)

# (list, line, code, what the detail must name)
CAUTIONS = [
    ("medications", "loperamide 2 mg", "opioid_caution", "loperamide"),
    ("medications", "Imodium A-D", "opioid_caution", "loperamide"),
    ("medications", "diphenoxylate/atropine", "opioid_caution", "diphenoxylate"),
    ("medications", "Lomotil 2.5 mg qid prn", "opioid_caution", "diphenoxylate"),
    ("medications", "dextromethorphan 30 mg", "opioid_caution", "dextromethorphan"),
    ("medications", "Delsym 12-hour", "opioid_caution", "dextromethorphan"),
    ("medications", "Robitussin DM", "opioid_caution", "dextromethorphan"),
    ("medications", "promethazine DM syrup", "opioid_caution", "dextromethorphan"),
    ("medications", "Auvelity 45/105 mg", "opioid_caution", "dextromethorphan"),
    ("medications", "Coricidin HBP Cough & Cold", "opioid_caution", "dextromethorphan"),
    ("medications", "Mucinex DM", "opioid_caution", "dextromethorphan"),
    ("medications", "methylnaltrexone", "opioid_likely", "methylnaltrexone"),
    ("medications", "Relistor 450 mg daily", "opioid_likely", "methylnaltrexone"),
    ("medications", "naloxegol 25 mg", "opioid_likely", "naloxegol"),
    ("medications", "Movantik", "opioid_likely", "naloxegol"),
    ("medications", "naldemedine 0.2 mg", "opioid_likely", "naldemedine"),
    ("medications", "Symproic", "opioid_likely", "naldemedine"),
    ("medications", "samidorphan", "opioid_antagonist", "samidorphan"),
    ("medications", "Lybalvi 10/10 mg", "opioid_antagonist", "samidorphan"),
    ("conditions", "cirrhosis", "liver_caution", "cirrhosis"),
    ("conditions", "hepatitis C", "liver_caution", "hepatitis C"),
    ("conditions", "NASH", "liver_caution", "NASH"),
    ("conditions", "elevated LFTs", "liver_caution", "elevated LFTs"),
    ("allergies", "naloxone", "naloxone_allergy", "naloxone"),
    ("allergies", "Narcan - hives", "naloxone_allergy", "naloxone"),
    ("allergies", "MCC", "formula_allergy", "microcrystalline cellulose"),
    ("allergies", "microcrystalline cellulose", "formula_allergy", "microcrystalline cellulose"),
    ("allergies", "gelatin", "formula_allergy", "gelatin"),
    ("conditions", "pregnancy", "pregnancy", "pregnancy"),
    ("conditions", "pregnant, 2nd trimester", "pregnancy", "pregnant"),
]

UNRECOGNISABLE = ["Xyzzorin 5 mg", "Blorptafen 10 mg bid", "Qwimbaxol"]

# ---------------------------------------------------------------------------------------
# False-alarm traps (§6, §9): (name, the name with a dose or sig)

TRAPS = [
    ("apomorphine", "apomorphine 2 mg SC prn off episodes"),
    ("oxybutynin", "oxybutynin 5 mg tab bid"),
    ("oxymetazoline", "oxymetazoline 0.05% nasal spray bid"),
    ("Afrin", "Afrin 2 sprays each nostril bid prn"),
    ("oxcarbazepine", "oxcarbazepine 300 mg bid"),
    ("Trileptal", "Trileptal 600 mg bid"),
    ("hydroxyzine", "hydroxyzine 25 mg q6h prn itching"),
    ("hydroxychloroquine", "hydroxychloroquine 200 mg bid"),
    ("Plaquenil", "Plaquenil 200 mg daily"),
    ("hydrocortisone", "hydrocortisone 1% cream bid"),
    ("hydralazine", "hydralazine 25 mg tid"),
    ("hydrochlorothiazide", "hydrochlorothiazide 25 mg daily"),
    ("trazodone", "trazodone 50 mg at bedtime"),
    ("methylphenidate", "methylphenidate ER 36 mg every morning"),
    ("naloxone", "naloxone 4 mg nasal spray prn overdose"),
    ("Narcan", "Narcan 4 mg nasal spray"),
    ("lofexidine", "lofexidine 0.18 mg qid"),
    ("Tylenol 500 mg", "Tylenol 500 mg 2 tabs q6h prn"),
    ("acetaminophen", "acetaminophen 650 mg q6h prn"),
    ("levothyroxine", "levothyroxine 50 mcg daily"),
    ("liothyronine", "liothyronine (T3) 5 mcg daily"),
    ("Cytomel", "Cytomel (T3) 25 mcg daily"),
    ("sertraline", "sertraline 50 mg daily"),
    ("gabapentin", "gabapentin 300 mg tid"),
    ("metformin", "metformin 500 mg bid with meals"),
    ("lisinopril", "lisinopril 10 mg daily"),
    ("atorvastatin", "atorvastatin 20 mg at bedtime"),
    ("omeprazole", "omeprazole 20 mg daily before breakfast"),
    ("amlodipine", "amlodipine 5 mg daily"),
    ("cyclobenzaprine", "cyclobenzaprine 10 mg at bedtime prn spasm"),
    ("meloxicam", "meloxicam 15 mg daily"),
    ("prednisone", "prednisone 10 mg daily x 5 days"),
    ("vitamin D3", "vitamin D3 2000 IU daily"),
    ("magnesium glycinate", "magnesium glycinate 400 mg at bedtime"),
    ("fish oil", "fish oil 1000 mg bid"),
    ("B12", "vitamin B12 1000 mcg daily"),
    ("Narcan (opioid reversal)", "Narcan (opioid reversal) 4 mg nasal prn"),
    ("naloxone (opioid antagonist)", "naloxone (opioid antagonist) 4 mg prn"),
    ("ibuprofen", "ibuprofen 400 mg q8h prn"),
    ("duloxetine", "duloxetine 60 mg daily"),
    ("Toradol", "Toradol 10 mg q6h prn"),  # ketorolac, a look-alike of tramadol
    ("ketorolac", "ketorolac 10 mg q6h prn max 5 days"),
    ("methocarbamol", "methocarbamol 750 mg tid prn"),
    ("metoclopramide", "metoclopramide 10 mg before meals"),
]
# Look-alikes the lexicon may not know: shown as unverified at most, never held. "T3"
# alone is also clinicians' shorthand for Tylenol #3, so it may well be shown.
NEVER_HELD = [
    "T3",
    "T3 5 mcg daily",
    "Hydrocortone 20 mg",  # hydrocortisone, a look-alike of hydrocodone
    "oxazepam 15 mg",
    "oxytocin",
    "hydroxyurea 500 mg",
    "Metadate CD 20 mg",  # methylphenidate, a look-alike of methadone
    "morphea (skin condition)",
]
# Traps that are shown, never held.
TRAP_CAUTIONS = [
    ("methylnaltrexone", "opioid_likely"),
    ("METHYLNALTREXONE", "opioid_likely"),
    ("methylnaltrexone 12 mg SC every other day", "opioid_likely"),
]

# A day-to-day list: nine lines that raise nothing.
CLEAN_LIST = [
    "levothyroxine 50 mcg daily",
    "Tylenol 500 mg prn",
    "sertraline 50 mg daily",
    "metformin 500 mg bid",
    "lisinopril 10 mg daily",
    "atorvastatin 20 mg at bedtime",
    "omeprazole 20 mg daily",
    "vitamin D3 2000 IU",
    "magnesium glycinate 400 mg",
]
