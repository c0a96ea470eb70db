"""The opioid screen's battery (domain.md §6 and §9), one table at a time.

Naltrexone blocks opioid receptors: any opioid in what the clinic sent holds the order
(a hard stop); look-alikes and ordinary medicines must not. The tables are in
`tests/support/screening_cases.py`; the RxNorm cases are generated from the packaged
value sets.
"""

from __future__ import annotations

import re

import pytest

from pharmacy.domain.drug_lexicon import Kind
from pharmacy.domain.prescription import MedicationInUse
from pharmacy.domain.screening import Severity
from tests.support.screening_cases import (
    ABBREVIATIONS,
    CAUTION_CODES,
    CAUTIONS,
    CLEAN_LIST,
    CLINIC_WRITINGS,
    DISGUISED_OPIOIDS,
    DOMAIN_BRANDS,
    DOMAIN_GENERICS,
    LEXICON,
    MEANINGLESS_NAMES,
    MISSED_BRANDS,
    MISSPELLINGS,
    NEVER_HELD,
    NOT_PRESCRIBED_OPIOIDS,
    OPIOID_FREE,
    ROWS,
    RXNORM_BRANDS,
    RXNORM_CODE_SAMPLE,
    RXNORM_CODES,
    RXNORM_INGREDIENTS,
    TOLD_NO_OPIOID,
    TOLD_OPIOIDS,
    TRAP_CAUTIONS,
    TRAPS,
    UNRECOGNISABLE,
    WHOLE_WORD_DISGUISES,
    assert_held,
    disguised,
    hard_stops,
    med,
    namings,
    one_of_each_kind,
    run,
    shown,
)


def _id(text: str) -> str:
    """A readable test id: the text itself, invisible characters spelled out."""
    return "".join(c if c.isascii() and c.isprintable() else f"<U+{ord(c):04X}>" for c in text)


def assert_medication_held(name, opioids, rxnorm=None):
    finding = assert_held(med(name, rxnorm), name, names=opioids)
    assert finding.severity is Severity.HARD_STOP
    assert "withdrawal" in finding.detail
    return finding


# ---------------------------------------------------------------------------------------
# 1. Generated from pharmacy/drug_data/opioid-rxnorm.tsv


def test_the_value_sets_hold_1505_codes():
    assert len(ROWS) == 1505
    assert len({rxcui for rxcui, _ in ROWS}) == 1505


@pytest.mark.parametrize(
    ("line", "opioids"),
    [
        pytest.param(line, namings(opioids), id=_id(line))
        for brand, opioids in RXNORM_BRANDS
        for line in (f"{brand} 5/325 mg tab", f"{brand.upper()} 5/325 MG TAB")
    ],
)
def test_every_brand_of_the_value_sets_is_a_hard_stop(line, opioids):
    assert opioids, f"the value sets name no opioid for {line!r}"
    assert_medication_held(line, opioids)


@pytest.mark.parametrize(
    ("line", "opioid"),
    [
        pytest.param(line, ingredient, id=_id(line))
        for ingredient in RXNORM_INGREDIENTS
        for line in (ingredient, f"{ingredient.title()} 10 mg tab", ingredient.upper())
    ],
)
def test_every_opioid_ingredient_of_the_value_sets_is_a_hard_stop(line, opioid):
    assert_medication_held(line, namings([opioid]))


@pytest.mark.parametrize(
    ("name", "rxcui", "opioids"),
    [
        pytest.param(
            MEANINGLESS_NAMES[n % len(MEANINGLESS_NAMES)],
            rxcui,
            namings(opioids),
            id=f"RxNorm-{rxcui}",
        )
        for n, (rxcui, _, opioids) in enumerate(RXNORM_CODE_SAMPLE)
    ],
)
def test_a_sample_of_the_value_set_codes_is_a_hard_stop_whatever_the_name(name, rxcui, opioids):
    finding = assert_medication_held(name, (), rxnorm=rxcui)
    said = re.search(rf"RxNorm {rxcui} = (.*?) \(", finding.detail)
    assert said, f"the code is not named: {finding.detail!r}"
    assert any(o in said.group(1) for o in opioids), (
        f"RxNorm {rxcui} read as {said.group(1)!r}, expected one of {opioids}"
    )


def test_every_code_of_the_value_sets_is_held_whatever_the_name():
    """All 1,505 codes sent as "pain pill": every one held, except the codes whose row
    names only a drug domain.md §6 makes a caution (loperamide), which are shown."""
    failures = []
    for rxcui, name in ROWS:
        findings = med("pain pill", rxcui)
        codes = [(f.code, f.severity) for f in findings]
        if rxcui in CAUTION_CODES:
            if codes != [("opioid_caution", Severity.CAUTION)]:
                failures.append((rxcui, name, "expected a caution", shown(findings)))
        elif codes.count(("opioid_interaction", Severity.HARD_STOP)) != 1:
            failures.append((rxcui, name, "expected a hard stop", shown(findings)))
        elif f"RxNorm {rxcui} = " not in findings[0].detail:
            failures.append((rxcui, name, "the code is not named", shown(findings)))
    assert failures == [], f"{len(failures)} of {len(ROWS)} codes: {failures}"


def test_loperamide_of_the_value_sets_is_a_caution_not_a_hold():
    assert CAUTION_CODES == {"6468": "loperamide"}
    (finding,) = med("pain pill", "6468")
    assert (finding.code, finding.severity) == ("opioid_caution", Severity.CAUTION)
    assert "loperamide" in finding.detail


# ---------------------------------------------------------------------------------------
# 2. domain.md §6: generics, brands, combinations, tall-man, doses and sigs


@pytest.mark.parametrize(
    ("line", "opioid"),
    [
        *(pytest.param(g, g, id=g) for g in DOMAIN_GENERICS),
        *(pytest.param(g.upper(), g, id=g.upper()) for g in DOMAIN_GENERICS),
        *(pytest.param(f"{g.title()} 10 mg", g, id=f"{g.title()} 10 mg") for g in DOMAIN_GENERICS),
        *(pytest.param(b, o, id=_id(b)) for b, o in DOMAIN_BRANDS),
        *(pytest.param(b.upper(), o, id=_id(b.upper())) for b, o in DOMAIN_BRANDS),
        *(pytest.param(line, o, id=_id(line)) for line, o in CLINIC_WRITINGS),
    ],
)
def test_any_opioid_of_the_domain_by_generic_brand_or_as_clinics_write_it_is_a_hard_stop(
    line, opioid
):
    assert_medication_held(line, (opioid,))


# ---------------------------------------------------------------------------------------
# 3. What the issue found missed


@pytest.mark.parametrize(
    ("line", "opioid"),
    [
        *(pytest.param(b, o, id=_id(b)) for b, o in MISSED_BRANDS),
        *(
            pytest.param(f"{b.upper()} 1 TAB Q6H PRN", o, id=_id(f"{b.upper()} 1 TAB Q6H PRN"))
            for b, o in MISSED_BRANDS
        ),
        *(pytest.param(line, o, id=_id(line)) for line, o in ABBREVIATIONS),
        *(pytest.param(line, o, id=_id(line)) for line, o in NOT_PRESCRIBED_OPIOIDS),
    ],
)
def test_brands_abbreviations_and_street_opioids_the_issue_found_missed_are_a_hard_stop(
    line, opioid
):
    assert_medication_held(line, (opioid,))


@pytest.mark.parametrize(
    ("name", "rxnorm", "opioid"),
    [
        *(pytest.param("pain pill", c, o, id=f"RxNorm-{c}-{o}") for c, o in RXNORM_CODES),
        pytest.param("clinic dose", " 6813 ", "methadone", id="RxNorm-6813-spaced"),
        pytest.param("RxNorm 7804", None, "oxycodone", id="code-in-the-line"),
        pytest.param("7804", None, "oxycodone", id="line-is-only-a-code"),
    ],
)
def test_opioid_rxnorm_codes_are_a_hard_stop_whatever_the_name(name, rxnorm, opioid):
    finding = assert_medication_held(name, (opioid,), rxnorm=rxnorm)
    code = (rxnorm or name).split()[-1].strip()
    assert f"RxNorm {code} = " in finding.detail


@pytest.mark.parametrize(
    ("line", "opioid", "misspelt"),
    [pytest.param(line, o, m, id=_id(line)) for line, o, m in MISSPELLINGS],
)
def test_misspelt_opioids_are_read_as_the_opioid_they_are_nearest_to(line, opioid, misspelt):
    finding = assert_medication_held(line, (opioid,))
    if misspelt:
        assert "read as" in finding.detail


# ---------------------------------------------------------------------------------------
# 4. Invisible and look-alike characters


@pytest.mark.parametrize(
    ("line", "opioid"),
    [
        pytest.param(line, opioid, id=f"{word}-{trick}")
        for word, after, opioid in DISGUISED_OPIOIDS
        for trick, line in disguised("", word, after)
    ]
    + [pytest.param(line, opioid, id=_id(line)) for line, opioid in WHOLE_WORD_DISGUISES],
)
def test_an_opioid_written_with_invisible_or_look_alike_characters_is_a_hard_stop(line, opioid):
    assert_medication_held(line, (opioid,))


@pytest.mark.parametrize(
    "allergy",
    [pytest.param(line, id=f"naltrexone-{t}") for t, line in disguised("", "naltrexone", " hives")],
)
def test_a_disguised_naltrexone_allergy_is_a_hard_stop(allergy):
    assert_held(run(allergies=[allergy]), allergy, codes=("naltrexone_allergy",))


@pytest.mark.parametrize(
    "condition",
    [pytest.param(line, id=f"hepatitis-{t}") for t, line in disguised("acute ", "hepatitis", "")],
)
def test_disguised_acute_hepatitis_is_a_hard_stop(condition):
    assert_held(run(conditions=[condition]), condition, codes=("liver_disease",))


# ---------------------------------------------------------------------------------------
# 5. Conditions, notes and diagnosis


@pytest.mark.parametrize(
    ("where", "text", "codes", "named"),
    [pytest.param(*case, id=f"{case[0]}-{_id(case[1])}") for case in TOLD_OPIOIDS],
)
def test_opioid_therapy_or_history_told_anywhere_is_a_hard_stop(where, text, codes, named):
    lists = {"conditions": [text]} if where == "conditions" else {where: text}
    findings = run(**lists)
    stops = hard_stops(findings)
    assert len(stops) == 1, shown(findings)
    (finding,) = stops
    assert finding.code in codes, shown(findings)
    quoted = text if where == "diagnosis" else f'"{text}"'
    assert quoted in finding.detail
    if named:
        assert named in finding.detail
    if finding.code == "opioid_history":
        assert OPIOID_FREE.search(finding.detail), finding.detail


@pytest.mark.parametrize(
    "line",
    [
        "stopped oxycodone 2019",
        "oxycodone - discontinued",
        "hx methadone maintenance",
        "previously on Suboxone",
    ],
)
def test_a_past_opioid_in_the_medication_list_holds_and_asks_for_opioid_free_days(line):
    finding = assert_held(med(line), line, codes=("opioid_history",))
    assert OPIOID_FREE.search(finding.detail), finding.detail
    assert re.search(r"10[-\u2013]14 after methadone or buprenorphine", finding.detail)


@pytest.mark.parametrize(
    ("where", "text"), [pytest.param(*case, id=f"{case[0]}-{case[1]}") for case in TOLD_NO_OPIOID]
)
def test_denied_or_absent_opioids_told_in_notes_or_conditions_are_no_hard_stop(where, text):
    lists = {"conditions": [text]} if where == "conditions" else {where: text}
    findings = run(**lists)
    assert hard_stops(findings) == [], shown(findings)


# ---------------------------------------------------------------------------------------
# 6. Cautions: shown, never held


@pytest.mark.parametrize(
    ("where", "line", "code", "named"),
    [pytest.param(*case, id=f"{case[0]}-{_id(case[1])}") for case in CAUTIONS],
)
def test_cautions_are_shown_and_never_hold_the_order(where, line, code, named):
    findings = run(**{where: [line]})
    assert [(f.code, f.severity) for f in findings] == [(code, Severity.CAUTION)], shown(findings)
    assert f'"{line}"' in findings[0].detail
    assert named in findings[0].detail


@pytest.mark.parametrize("line", UNRECOGNISABLE)
def test_a_line_the_screen_cannot_recognise_is_an_unverified_caution(line):
    findings = med(line)
    assert [(f.code, f.severity) for f in findings] == [
        ("unverified_medication", Severity.CAUTION)
    ], shown(findings)
    assert f'"{line}"' in findings[0].detail


# ---------------------------------------------------------------------------------------
# 7. False-alarm traps


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(line, id=_id(line))
        for name, dosed in TRAPS
        for line in dict.fromkeys((name, name.upper(), dosed))
    ],
)
def test_look_alikes_antagonists_and_ordinary_medicines_raise_nothing(line):
    findings = med(line)
    assert findings == [], shown(findings)


@pytest.mark.parametrize("line", NEVER_HELD)
def test_other_look_alikes_are_never_held(line):
    findings = med(line)
    assert hard_stops(findings) == [], shown(findings)


@pytest.mark.parametrize(("line", "code"), TRAP_CAUTIONS)
def test_methylnaltrexone_is_a_pamora_caution_not_a_hard_stop(line, code):
    findings = med(line)
    assert [(f.code, f.severity) for f in findings] == [(code, Severity.CAUTION)], shown(findings)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("oxyCODONE 5 mg", Kind.OPIOID),
        ("Percocet 5/325", Kind.OPIOID),
        ("Vivitrol", Kind.NALTREXONE),
        ("Imodium", Kind.OPIOID_CAUTION),
        ("Relistor", Kind.PAMORA),
        ("Lybalvi", Kind.ANTAGONIST),
        ("hydroxyzine 25 mg", None),
        ("naloxone", None),
        ("Tylenol 500 mg", None),
    ],
)
def test_the_lexicon_reads_each_line_as_its_kind(line, kind):
    reading = LEXICON.read(line)
    assert reading.kind is kind, reading.named()
    assert reading.found


# ---------------------------------------------------------------------------------------
# 8. Line by line


@pytest.mark.parametrize(
    ("at", "opioid", "named"),
    [
        pytest.param(at, line, named, id=f"line{at + 1}-{_id(line)}")
        for at in range(10)
        for line, named in (
            [("Percocet 5/325 q6h prn", "oxycodone"), ("tramadol 50 mg", "tramadol")]
            if at % 3
            else [("oxy\u200bcodone 5 mg", "oxycodone")]
        )
    ],
)
def test_a_ten_line_list_with_one_opioid_gives_one_hard_stop_naming_that_line(at, opioid, named):
    lines = [*CLEAN_LIST[:at], opioid, *CLEAN_LIST[at:]]
    assert len(lines) == 10
    findings = run(medications=lines)
    stops = hard_stops(findings)
    assert len(stops) == 1, shown(findings)
    assert stops[0].code == "opioid_interaction"
    assert f'"{opioid}"' in stops[0].detail
    assert named in stops[0].detail
    assert not any(f'"{clean}"' in stops[0].detail for clean in CLEAN_LIST)


@pytest.mark.parametrize(
    ("lists", "codes"),
    [
        pytest.param(
            {
                "medications": [
                    MedicationInUse("Percocet (oxycodone/acetaminophen) 5/325", "1049640")
                ]
            },
            ["opioid_interaction"],
            id="brand-generic-and-code",
        ),
        pytest.param(
            {"medications": ["oxycodone oxyCODONE OxyContin Roxicodone 5 mg"]},
            ["opioid_interaction"],
            id="four-names-of-oxycodone",
        ),
        pytest.param(
            {"medications": ["Suboxone (buprenorphine/naloxone) 8/2 mg film"]},
            ["opioid_interaction"],
            id="suboxone-spelled-out",
        ),
        pytest.param(
            {"medications": ["Embeda (morphine/naltrexone) 20/0.8"]},
            ["opioid_interaction", "duplicate_naltrexone"],
            id="embeda",
        ),
        pytest.param(
            {"medications": ["Imodium (loperamide) 2 mg"]}, ["opioid_caution"], id="imodium"
        ),
        pytest.param(
            {"conditions": ["OUD on methadone, then buprenorphine"]},
            ["opioid_therapy"],
            id="two-opioids-in-a-condition",
        ),
        pytest.param(
            {"allergies": ["naltrexone, Revia, Vivitrol"]},
            ["naltrexone_allergy"],
            id="three-names-of-naltrexone",
        ),
    ],
)
def test_one_finding_of_a_kind_per_line(lists, codes):
    findings = run(**lists)
    one_of_each_kind(findings)
    assert [f.code for f in findings] == codes, shown(findings)


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("oxy\u200bcodone 5 mg", "oxycodone"),
        ("  Percocet 5/325  ", "Percocet = oxycodone"),
        ("NORCO 10/325 MG TAB", "Norco = hydrocodone"),
        ("tramadol\u00a050\u00a0mg", "tramadol"),
        ("\uff4f\uff58\uff59\uff43\uff4f\uff44\uff4f\uff4e\uff45", "oxycodone"),
        ("percoset", '"percoset" read as Percocet = oxycodone'),
    ],
    ids=_id,
)
def test_a_hard_stop_quotes_the_line_as_sent_and_names_what_was_recognised(line, named):
    (finding,) = med(line)
    assert finding.detail.startswith(f'"{line}" '), finding.detail
    assert named in finding.detail
