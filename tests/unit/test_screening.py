"""Clinical screening of domain.md §6: what holds an LDN order, what is only shown."""

import pytest

from pharmacy.domain.prescription import MedicationInUse
from pharmacy.domain.screening import Severity, screen

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

OTHER_WAYS_CLINICS_WRITE_OPIOIDS = [
    ("oxyCODONE 5 mg tablet", "oxycodone"),  # tall-man
    ("HYDROcodone bitartrate", "hydrocodone"),
    ("HYDROmorphone", "hydromorphone"),
    ("OXYCODONE", "oxycodone"),
    ("hydrocodone/APAP 5/325", "hydrocodone"),
    ("oxycodone-acetaminophen", "oxycodone"),
    ("APAP/codeine 300/30", "codeine"),
    ("buprenorphine/naloxone", "buprenorphine"),
    ("Tylenol No. 3", "codeine"),
    ("Tylenol 3", "codeine"),
    ("tylenol #4 prn", "codeine"),
    ("Tylenol-Codeine #3", "codeine"),
    ("oxycodone5mg", "oxycodone"),
    ("Norco10/325", "hydrocodone"),
    ("MS Contin 15 mg", "morphine"),
    ("Robitussin AC", "codeine"),
    ("Fioricet with codeine", "codeine"),
    ("fentanyl 12 mcg/h transdermal", "fentanyl"),
    ("tramadol ER", "tramadol"),
    ("kratom", "mitragynine"),
    ("opioid pain medication as needed", "named as an opioid"),
]

RXNORM_ONLY = [
    (MedicationInUse("pain pill", "7804"), "oxycodone"),
    (MedicationInUse("pain pill", "7052"), "morphine"),
    (MedicationInUse("cough syrup from urgent care", "2670"), "codeine"),
    (MedicationInUse("pain pill", "10689"), "tramadol"),
    (MedicationInUse("patch", "4337"), "fentanyl"),
    (MedicationInUse("clinic dose", " 6813 "), "methadone"),
    (MedicationInUse("pain pill", "5489"), "hydrocodone"),
]

NOT_OPIOIDS = [
    "levothyroxine 50 mcg",
    "Tylenol 500 mg",
    "Tylenol 325 mg",
    "acetaminophen 500 mg",
    "APAP",
    "naloxone 4 mg nasal spray",
    "Narcan",
    "Narcan (opioid reversal)",
    "naloxone (opioid antagonist)",
    "normorphine",  # contains "morphine" only inside another word
    "Codeinex",
    "methylnaltrexone",
    "ibuprofen 400 mg",
    "gabapentin 300 mg",
    "duloxetine 60 mg",
    "metformin",
    "Morphology review",
]


def medication_findings(name, rxnorm=None):
    return screen([MedicationInUse(name, rxnorm)], [], [], 0)


@pytest.mark.parametrize(
    ("name", "opioid"),
    [
        *((generic, generic) for generic in DOMAIN_GENERICS),
        *((generic.upper(), generic) for generic in DOMAIN_GENERICS),
        *((f"{generic.title()} 10 mg", generic) for generic in DOMAIN_GENERICS),
        *DOMAIN_BRANDS,
        *((brand.upper(), opioid) for brand, opioid in DOMAIN_BRANDS),
        *OTHER_WAYS_CLINICS_WRITE_OPIOIDS,
    ],
)
def test_any_opioid_by_generic_brand_tall_man_or_combination_is_a_hard_stop(name, opioid):
    (finding,) = medication_findings(name)
    assert finding.code == "opioid_interaction"
    assert finding.severity is Severity.HARD_STOP
    assert f'"{name}"' in finding.detail
    assert opioid in finding.detail
    assert "withdrawal" in finding.detail


@pytest.mark.parametrize(("medication", "opioid"), RXNORM_ONLY)
def test_an_opioid_rxnorm_ingredient_code_is_a_hard_stop_whatever_the_name(medication, opioid):
    (finding,) = screen([medication], [], [], 0)
    assert finding.code == "opioid_interaction"
    assert f"RxNorm {medication.rxnorm.strip()} = {opioid}" in finding.detail


@pytest.mark.parametrize("name", NOT_OPIOIDS)
def test_unrelated_drugs_and_opioid_antagonists_raise_no_alert(name):
    assert medication_findings(name) == []


def test_an_unrelated_rxnorm_code_raises_no_alert():
    assert medication_findings("levothyroxine", "10582") == []


def test_each_offending_line_gives_one_finding_that_quotes_it():
    findings = screen(
        [
            MedicationInUse("Percocet (oxycodone/acetaminophen) 5/325", "7804"),
            MedicationInUse("levothyroxine"),
            MedicationInUse("Norco 10/325"),
        ],
        [],
        [],
        0,
    )
    assert [f.code for f in findings] == ["opioid_interaction", "opioid_interaction"]
    assert '"Percocet (oxycodone/acetaminophen) 5/325"' in findings[0].detail
    assert "Percocet = oxycodone" in findings[0].detail
    assert '"Norco 10/325"' in findings[1].detail


@pytest.mark.parametrize(
    ("name", "drug"),
    [
        ("loperamide 2 mg", "loperamide"),
        ("Imodium A-D", "loperamide"),
        ("diphenoxylate/atropine", "diphenoxylate"),
        ("Lomotil", "diphenoxylate"),
        ("dextromethorphan 30 mg", "dextromethorphan"),
        ("Robitussin DM", "dextromethorphan"),
        ("Mucinex DM", "dextromethorphan"),
        ("Delsym 12-hour", "dextromethorphan"),
        ("NyQuil", "dextromethorphan"),
        ("Nuedexta", "dextromethorphan"),
    ],
)
def test_gut_and_cough_opioid_receptor_drugs_are_a_caution_not_a_hold(name, drug):
    (finding,) = medication_findings(name)
    assert (finding.code, finding.severity) == ("opioid_caution", Severity.CAUTION)
    assert drug in finding.detail


def test_robitussin_without_dm_or_ac_is_no_alert():
    assert medication_findings("Robitussin (guaifenesin)") == []


@pytest.mark.parametrize(
    "name",
    [
        "naltrexone 50 mg",
        "Naltrexone HCl",
        "Vivitrol 380 mg IM monthly",
        "ReVia",
        "Contrave 8/90",
        "LDN 4.5 mg",
        "low dose naltrexone 3 mg",
    ],
)
def test_naltrexone_already_in_the_medication_list_is_a_duplicate_hard_stop(name):
    (finding,) = medication_findings(name)
    assert (finding.code, finding.severity) == ("duplicate_naltrexone", Severity.HARD_STOP)
    assert f'"{name}"' in finding.detail


def test_a_morphine_naltrexone_combination_is_both_an_opioid_and_a_duplicate():
    assert [f.code for f in medication_findings("Embeda 20/0.8")] == [
        "opioid_interaction",
        "duplicate_naltrexone",
    ]


@pytest.mark.parametrize(("other_orders", "held"), [(0, False), (1, True), (2, True)])
def test_another_active_ldn_order_is_a_duplicate_hard_stop(other_orders, held):
    findings = screen([], [], [], other_orders)
    assert [f.code for f in findings] == (["duplicate_naltrexone"] if held else [])
    if held:
        assert str(other_orders) in findings[0].detail


@pytest.mark.parametrize(
    ("allergy", "held"),
    [
        ("naltrexone", True),
        ("Naltrexone (hives)", True),
        ("REVIA - rash", True),
        ("Vivitrol", True),
        ("penicillin", False),
        ("NKDA", False),
        ("codeine", False),  # an opioid allergy is no reason to hold naltrexone
        ("naloxone", False),
    ],
)
def test_an_allergy_to_naltrexone_is_a_hard_stop(allergy, held):
    findings = screen([], [allergy], [], 0)
    assert [f.code for f in findings] == (["naltrexone_allergy"] if held else [])


@pytest.mark.parametrize(
    ("condition", "code"),
    [
        ("acute hepatitis", "liver_disease"),
        ("Acute hepatitis B", "liver_disease"),
        ("acute viral hepatitis", "liver_disease"),
        ("acute alcoholic hepatitis", "liver_disease"),
        ("Acute Hep C infection", "liver_disease"),
        ("acute HBV", "liver_disease"),
        ("fulminant hepatitis", "liver_disease"),
        ("liver failure", "liver_disease"),
        ("Hepatic failure", "liver_disease"),
        ("acute liver failure", "liver_disease"),
        ("acute-on-chronic liver failure", "liver_disease"),
        ("end-stage liver disease", "liver_disease"),
        ("ESLD", "liver_disease"),
        ("decompensated cirrhosis", "liver_disease"),
        ("history of acute hepatitis A, resolved", "liver_caution"),
        ("hx liver failure 2015, recovered after transplant", "liver_caution"),
        ("history of hepatitis A, resolved", "liver_caution"),
        ("chronic hepatitis C", "liver_caution"),
        ("hepatitis B", "liver_caution"),
        ("compensated cirrhosis", "liver_caution"),
        ("fatty liver (NAFLD)", "liver_caution"),
        ("autoimmune hepatitis", "liver_caution"),
        ("hepatitis B vaccine", None),
        ("Hep B vaccinated", None),
        ("HCV antibody negative", None),
        ("fibromyalgia", None),
        ("Crohn's disease", None),
        ("acute bronchitis", None),
        ("multiple sclerosis", None),
    ],
)
def test_acute_hepatitis_or_liver_failure_holds_and_other_liver_history_is_shown(condition, code):
    findings = screen([], [], [condition], 0)
    assert [f.code for f in findings] == ([code] if code else [])
    if code == "liver_disease":
        assert findings[0].severity is Severity.HARD_STOP
    if code == "liver_caution":
        assert findings[0].severity is Severity.CAUTION
    if code:
        assert f'"{condition}"' in findings[0].detail


def test_a_clean_patient_has_no_findings():
    assert (
        screen(
            [MedicationInUse("levothyroxine 50 mcg", "10582"), MedicationInUse("Tylenol 500 mg")],
            ["penicillin"],
            ["fibromyalgia", "hypothyroidism"],
            0,
        )
        == []
    )


def test_findings_come_in_the_order_of_the_patients_lists():
    findings = screen(
        [MedicationInUse("Imodium"), MedicationInUse("tramadol 50 mg")],
        ["naltrexone"],
        ["acute hepatitis B"],
        1,
    )
    assert [f.code for f in findings] == [
        "opioid_caution",
        "opioid_interaction",
        "naltrexone_allergy",
        "liver_disease",
        "duplicate_naltrexone",
    ]
