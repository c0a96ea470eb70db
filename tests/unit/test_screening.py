"""Clinical screening of domain.md §6: what holds an LDN order, what is only shown.

The rules beside the opioid battery (`test_screening_battery.py`): naltrexone already
taken, allergies, the liver, pregnancy, the order of findings, and how text is read
(`fold`, `words`, `unreadable`).
"""

from __future__ import annotations

import pytest

from pharmacy.domain.prescription import MedicationInUse
from pharmacy.domain.screening import Severity
from pharmacy.domain.text import fold, unreadable, words
from tests.support.screening_cases import (
    DISGUISED_OPIOIDS,
    WORD_TRICKS,
    disguised,
    med,
    run,
    shown,
)

# ---------------------------------------------------------------------------------------
# Naltrexone already


@pytest.mark.parametrize(
    "name",
    [
        "naltrexone 50 mg",
        "Naltrexone HCl",
        "NALTREXONE 50 MG TAB",
        "Vivitrol 380 mg IM monthly",
        "ReVia",
        "Contrave 8/90",
        "LDN 4.5 mg",
        "low dose naltrexone 3 mg",
        "nal\u200btrexone 4.5 mg",
    ],
)
def test_naltrexone_already_in_the_medication_list_is_a_duplicate_hard_stop(name):
    findings = med(name)
    assert [(f.code, f.severity) for f in findings] == [
        ("duplicate_naltrexone", Severity.HARD_STOP)
    ], shown(findings)
    assert f'"{name}"' in findings[0].detail


def test_a_morphine_naltrexone_combination_is_both_an_opioid_and_a_duplicate():
    assert [f.code for f in med("Embeda 20/0.8")] == ["opioid_interaction", "duplicate_naltrexone"]


@pytest.mark.parametrize(("other_orders", "held"), [(0, False), (1, True), (2, True)])
def test_another_active_ldn_order_is_a_duplicate_hard_stop(other_orders, held):
    findings = run(other_active_ldn_orders=other_orders)
    assert [(f.code, f.severity) for f in findings] == (
        [("duplicate_naltrexone", Severity.HARD_STOP)] if held else []
    )
    if held:
        assert str(other_orders) in findings[0].detail


@pytest.mark.parametrize(
    "condition",
    ["on Vivitrol monthly for alcohol use disorder", "takes LDN 4.5 mg from another pharmacy"],
)
def test_naltrexone_named_in_a_condition_is_a_duplicate_hard_stop(condition):
    findings = run(conditions=[condition])
    assert [(f.code, f.severity) for f in findings] == [
        ("duplicate_naltrexone", Severity.HARD_STOP)
    ], shown(findings)


# ---------------------------------------------------------------------------------------
# Allergies


@pytest.mark.parametrize(
    ("allergy", "code"),
    [
        ("naltrexone", "naltrexone_allergy"),
        ("Naltrexone (hives)", "naltrexone_allergy"),
        ("REVIA - rash", "naltrexone_allergy"),
        ("Vivitrol", "naltrexone_allergy"),
        ("LDN - vivid dreams, nausea", "naltrexone_allergy"),
        ("naloxone", "naloxone_allergy"),
        ("NARCAN", "naloxone_allergy"),
        ("MCC", "formula_allergy"),
        ("gelatin capsules", "formula_allergy"),
        ("penicillin", None),
        ("NKDA", None),
        ("sulfa drugs - rash", None),
        ("codeine", None),  # an opioid allergy is no reason to hold naltrexone
        ("morphine - itching", None),
    ],
)
def test_allergies_to_naltrexone_hold_and_to_its_relatives_or_the_capsule_are_shown(allergy, code):
    findings = run(allergies=[allergy])
    assert [f.code for f in findings] == ([code] if code else []), shown(findings)
    if code:
        severity = Severity.HARD_STOP if code == "naltrexone_allergy" else Severity.CAUTION
        assert findings[0].severity is severity
        assert f'"{allergy}"' in findings[0].detail


# ---------------------------------------------------------------------------------------
# The liver, pregnancy


@pytest.mark.parametrize(
    ("condition", "code"),
    [
        ("acute hepatitis", "liver_disease"),
        ("Acute hepatitis B", "liver_disease"),
        ("ACUTE HEPATITIS", "liver_disease"),
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
        ("hepatitis C", "liver_caution"),
        ("cirrhosis", "liver_caution"),
        ("compensated cirrhosis", "liver_caution"),
        ("NASH", "liver_caution"),
        ("fatty liver (NAFLD)", "liver_caution"),
        ("elevated LFTs", "liver_caution"),
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
def test_acute_hepatitis_or_liver_failure_holds_and_other_liver_disease_is_shown(condition, code):
    findings = run(conditions=[condition])
    assert [f.code for f in findings] == ([code] if code else []), shown(findings)
    if code == "liver_disease":
        assert findings[0].severity is Severity.HARD_STOP
    if code == "liver_caution":
        assert findings[0].severity is Severity.CAUTION
    if code:
        assert f'"{condition}"' in findings[0].detail


@pytest.mark.parametrize(("diagnosis", "held"), [("K72.00", True), ("K70.30", False)])
def test_a_hepatic_failure_diagnosis_holds(diagnosis, held):
    findings = run(diagnosis=diagnosis)
    assert [f.code for f in findings] == (["liver_disease"] if held else []), shown(findings)


@pytest.mark.parametrize(
    ("condition", "shown_as_pregnancy"),
    [
        ("pregnancy", True),
        ("Pregnant - 12 weeks", True),
        ("third trimester", True),
        ("not pregnant", False),
        ("pregnancy test negative", False),
    ],
)
def test_pregnancy_is_a_caution(condition, shown_as_pregnancy):
    findings = run(conditions=[condition])
    expected = [("pregnancy", Severity.CAUTION)] if shown_as_pregnancy else []
    assert [(f.code, f.severity) for f in findings] == expected, shown(findings)


# ---------------------------------------------------------------------------------------
# The whole patient


def test_a_clean_patient_has_no_findings():
    findings = run(
        medications=[
            MedicationInUse("levothyroxine 50 mcg", "10582"),
            MedicationInUse("Tylenol 500 mg"),
        ],
        allergies=["penicillin"],
        conditions=["fibromyalgia", "hypothyroidism"],
        notes="start LDN 1.5 mg at bedtime",
        diagnosis="M79.7",
    )
    assert findings == [], shown(findings)


def test_an_unrelated_rxnorm_code_raises_no_alert():
    assert med("levothyroxine", "10582") == []


def test_robitussin_without_dm_or_ac_is_a_caution_because_most_forms_carry_dm():
    [finding] = med("Robitussin (guaifenesin)")
    assert (finding.code, finding.severity) == ("opioid_caution", Severity.CAUTION)
    assert "dextromethorphan" in finding.detail


def test_findings_come_in_the_order_of_the_patients_lists():
    findings = run(
        medications=["Imodium", "tramadol 50 mg"],
        allergies=["naltrexone"],
        conditions=["acute hepatitis B"],
        notes="chronic pain on oxycodone",
        diagnosis="F11.20",
        other_active_ldn_orders=1,
    )
    assert [f.code for f in findings] == [
        "opioid_caution",
        "opioid_interaction",
        "naltrexone_allergy",
        "liver_disease",
        "opioid_therapy",
        "opioid_history",
        "duplicate_naltrexone",
    ]


def test_each_offending_line_gives_one_finding_that_quotes_it():
    findings = run(
        medications=[
            MedicationInUse("Percocet (oxycodone/acetaminophen) 5/325", "7804"),
            MedicationInUse("levothyroxine"),
            MedicationInUse("Norco 10/325"),
        ]
    )
    assert [f.code for f in findings] == ["opioid_interaction", "opioid_interaction"]
    assert '"Percocet (oxycodone/acetaminophen) 5/325"' in findings[0].detail
    assert "Percocet = oxycodone" in findings[0].detail
    assert '"Norco 10/325"' in findings[1].detail
    assert "Norco = hydrocodone" in findings[1].detail


# ---------------------------------------------------------------------------------------
# Text as a person reads it: fold, words, unreadable


@pytest.mark.parametrize(
    ("variant", "plain"),
    [
        *(
            pytest.param(line, f"{word}{after}", id=f"{word}-{trick}")
            for word, after, _ in DISGUISED_OPIOIDS
            for trick, line in disguised("", word, after)
        ),
        *(
            pytest.param(line, "naltrexone HCl", id=f"naltrexone-{trick}")
            for trick, line in disguised("", "naltrexone", " HCl")
        ),
        *(
            pytest.param(line, "acute hepatitis", id=f"hepatitis-{trick}")
            for trick, line in disguised("acute ", "hepatitis", "")
        ),
    ],
)
def test_invisible_and_look_alike_characters_fold_to_the_plain_word(variant, plain):
    assert variant != plain
    assert fold(variant) == plain.lower()
    assert words(variant) == words(plain)


@pytest.mark.parametrize("trick", [name for name, _ in WORD_TRICKS])
def test_every_trick_changes_the_text_it_is_applied_to(trick):
    (line,) = [line for name, line in disguised("", "oxycodone", "") if name == trick]
    assert line != "oxycodone"


@pytest.mark.parametrize(
    "text", ["Dupli CATE", "dupli cate ", "Dupli\u00a0Cate", "  DUPLI   cate", "Dupli\tCate"]
)
def test_case_and_spacing_fold_the_same(text):
    assert fold(text) == "dupli cate"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("oxycodone5mg", ("oxycodone", "5", "mg")),
        ("Norco 10/325", ("norco", "10", "325")),
        (
            "HYDROcodone/APAP 5/325 q6h prn",
            ("hydrocodone", "apap", "5", "325", "q", "6", "h", "prn"),
        ),
        ("7-OH", ("7", "oh")),
        ("B&O", ("b", "o")),
        ("oxy\u200bcodone", ("oxycodone",)),
        ("Tylenol\u00a0#3", ("tylenol", "3")),
    ],
)
def test_words_are_runs_of_letters_and_runs_of_digits(text, said):
    assert words(text) == said


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("\u202eenodocyxo", id="right-to-left-override"),
        pytest.param("oxy\u202ecodone", id="override-inside"),
        pytest.param("Jane \u202dDoe", id="left-to-right-override"),
        pytest.param("\u2067Doe\u2069", id="isolate"),
        pytest.param("\u200b\u200b\u200b", id="only-zero-width-spaces"),
        pytest.param("\u200b", id="one-zero-width-space"),
        pytest.param("\ufeff\u2060\u00ad", id="only-invisible-characters"),
        pytest.param("   ", id="only-spaces"),
        pytest.param("", id="empty"),
    ],
)
def test_bidi_overrides_and_invisible_text_are_unreadable(text):
    assert unreadable(text)


@pytest.mark.parametrize(
    "text",
    ["José Núñez", "李小龍", "محمد", "Zoë O'Brien-Smith", "Nguyễn Thị", "Ольга", "oxycodone"],
)
def test_ordinary_names_in_any_script_are_readable(text):
    assert unreadable(text) is None


@pytest.mark.parametrize(
    "note",
    [
        "heroic efforts at physical therapy",
        "her daughter is the heroine of her story",
        "symptoms morphing week to week",
        "spoke with Devorah at the clinic",
    ],
)
def test_english_words_near_an_opioid_name_do_not_hold_a_note(note):
    assert not [f for f in run(notes=note) if f.severity is Severity.HARD_STOP]


def test_a_misspelt_opioid_in_a_note_still_holds():
    [finding] = run(notes="patient takes morphne at night")
    assert finding.severity is Severity.HARD_STOP and "morphine" in finding.detail
