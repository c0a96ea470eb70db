"""The compounding record's rules (domain §8), table by table: the quality checks, which
lots may go into a batch, what an entry must hold, and what a written reason must be."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from pharmacy.domain.compounding import LotStock, compute_worksheet
from pharmacy.domain.compounding_record import (
    ComponentUse,
    CompoundingEntry,
    Plan,
    QcCheck,
    QcTolerances,
    capsule_weight_check,
    entry_problems,
    liquid_volume_check,
    lot_problem,
    qc_result,
)
from pharmacy.domain.prescription import DosageForm
from pharmacy.domain.written import note_problem, reason_problem, tidy
from pharmacy.services.reference.defaults import SETTINGS
from pharmacy.services.worker import plain
from tests.support.compounding import (
    CAPSULES,
    COMPOUNDED_ON,
    EXAMPLE_A,
    LIQUID,
    LOTS,
    SETTINGS_DEFAULT,
    make_order,
)

DEFAULTS = QcTolerances.from_settings(SETTINGS)
CAPSULE_PLAN = Plan.from_worksheet(
    plain(compute_worksheet(EXAMPLE_A, CAPSULES, LOTS, SETTINGS_DEFAULT, COMPOUNDED_ON))
)
LIQUID_ORDER = make_order("oral_liquid", "1", ("4.5", 30))
LIQUID_PLAN = Plan.from_worksheet(
    plain(compute_worksheet(LIQUID_ORDER, LIQUID, LOTS, SETTINGS_DEFAULT, COMPOUNDED_ON))
)
SHELF = {(lot.ingredient_code, lot.lot_number): lot for lot in LOTS}


def test_the_plan_is_read_from_the_worksheet_as_stored():
    plan = CAPSULE_PLAN
    assert plan.dosage_form is DosageForm.CAPSULE
    assert dict(plan.units) == {
        "naltrexone_hcl": "mg",
        "mcc_ph102": "mg",
        "capsule_3_clear": "each",
        "vial_cap": "each",
    }
    assert (plan.quantity, plan.batch_quantity, plan.fill_weight_mg) == (D(30), D(32), D(120))
    assert plan.worked_on == COMPOUNDED_ON
    assert plan.beyond_use_date == date(2027, 5, 19)
    assert [(use.ingredient_code, use.lot_number) for use in plan.planned] == [
        ("naltrexone_hcl", "NTX-2401"),
        ("mcc_ph102", "MCC-2402"),
        ("capsule_3_clear", "CAP3-2403"),
        ("vial_cap", "VIAL-2404"),
    ]
    assert plan.planned[2].amount == D(32)
    assert (LIQUID_PLAN.batch_quantity, LIQUID_PLAN.fill_weight_mg) == (D(142), None)


# --- quality control -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "percent", "passed", "outside"),
    [
        (["225", "226.4", "223.1"], "10", True, []),
        (["202.50", "247.50"], "10", True, []),  # the bounds themselves pass
        (["202.49", "225"], "10", False, ["202.49"]),
        (["225", "247.51"], "10", False, ["247.51"]),
        (["150", "225", "300"], "10", False, ["150", "300"]),
        (["236.25", "213.75"], "5", True, []),  # the tolerance is the setting's
        (["236.26"], "5", False, ["236.26"]),
        (["225"], "0", True, []),
        (["225.01"], "0", False, ["225.01"]),
    ],
)
def test_every_sampled_capsule_must_be_within_the_tolerance_of_the_fill_weight(
    weights, percent, passed, outside
):
    result = capsule_weight_check([D(w) for w in weights], D(225), D(percent))
    assert result.passed is passed
    assert result.outside == tuple(D(w) for w in outside)
    assert result.check is QcCheck.CAPSULE_WEIGHT and result.unit == "mg"
    assert result.low == D(225) * (1 - D(percent) / 100)
    assert result.high == D(225) * (1 + D(percent) / 100)


@pytest.mark.parametrize(
    ("volume", "percent", "passed"),
    [
        ("142", "2", True),
        ("139.16", "2", True),  # 142 - 2 %
        ("144.84", "2", True),  # 142 + 2 %
        ("139.15", "2", False),
        ("144.85", "2", False),
        ("135", "5", True),
        ("120", "2", False),
    ],
)
def test_the_final_volume_must_be_within_the_tolerance_of_the_batch_volume(volume, percent, passed):
    result = liquid_volume_check(D(volume), D(142), D(percent))
    assert result.passed is passed
    assert result.check is QcCheck.LIQUID_VOLUME and result.unit == "mL"


def test_the_summary_names_the_values_outside_and_the_bounds():
    failed = capsule_weight_check([D("225"), D("190")], D(225), D(10))
    assert failed.summary == (
        "capsule weight check failed: 1 of 2 outside 202.5-247.5 mg (225 ± 10 %): 190"
    )
    passed = liquid_volume_check(D("142"), D(142), D(2))
    assert passed.summary == "volume check passed: 1 within 139.16-144.84 mL (142 ± 2 %)"


def test_a_check_needs_a_measurement():
    with pytest.raises(ValueError, match="at least one"):
        capsule_weight_check([], D(225), D(10))


def test_the_check_follows_the_dosage_form():
    capsules = CompoundingEntry(COMPOUNDED_ON, (), D(32), capsule_weights_mg=(D(225),))
    liquid = CompoundingEntry(COMPOUNDED_ON, (), D(142), final_volume_ml=D(142))
    assert qc_result(capsules, CAPSULE_PLAN, DEFAULTS).check is QcCheck.CAPSULE_WEIGHT
    assert qc_result(liquid, LIQUID_PLAN, DEFAULTS).check is QcCheck.LIQUID_VOLUME


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (SETTINGS, QcTolerances(D(10), D(2))),
        (
            {"capsule_weight_tolerance_percent": 7.5, "liquid_volume_tolerance_percent": "1"},
            QcTolerances(D("7.5"), D(1)),
        ),
    ],
)
def test_the_tolerances_are_settings(values, expected):
    assert QcTolerances.from_settings(values) == expected


@pytest.mark.parametrize("bad", ["ten", "-1", "100", "NaN", None])
def test_a_tolerance_that_is_not_a_percentage_is_refused(bad):
    values = {"capsule_weight_tolerance_percent": bad, "liquid_volume_tolerance_percent": "2"}
    with pytest.raises(ValueError, match="percentage"):
        QcTolerances.from_settings(values)


# --- which lots may go into the batch ---------------------------------------------------

DAY = COMPOUNDED_ON
BUD = date(2027, 5, 19)
GOOD = LotStock(1, "mcc_ph102", "M-1", "Medisca", date(2028, 1, 1), D(1000))


@pytest.mark.parametrize(
    ("lot", "expected"),
    [
        (GOOD, None),
        (replace(GOOD, expires_on=BUD), None),  # lasts exactly until the BUD
        (None, "there is no lot M-1 of mcc_ph102"),
        (replace(GOOD, quarantined=True), "lot M-1 of mcc_ph102 is quarantined"),
        (
            replace(GOOD, expires_on=DAY - timedelta(days=1)),
            "lot M-1 of mcc_ph102 expired on 2026-11-20",
        ),
        (replace(GOOD, expires_on=DAY), "lot M-1 of mcc_ph102 expires on the compounding day"),
        (
            replace(GOOD, expires_on=BUD - timedelta(days=1)),
            "lot M-1 of mcc_ph102 expires 2027-05-18, before this preparation's beyond-use "
            "date 2027-05-19: use a lot that lasts until then",
        ),
    ],
)
def test_a_lot_goes_into_a_batch_only_if_usable_until_the_beyond_use_date(lot, expected):
    assert lot_problem(lot, "mcc_ph102", "M-1", DAY, BUD) == expected


# --- what an entry must hold ------------------------------------------------------------


def capsule_entry(**changes) -> CompoundingEntry:
    entry = CompoundingEntry(
        compounded_on=COMPOUNDED_ON,
        components=CAPSULE_PLAN.planned,
        quantity_made=D(32),
        capsule_weights_mg=(D("224.1"), D("226.0"), D("225.3")),
    )
    return replace(entry, **changes)


def liquid_entry(**changes) -> CompoundingEntry:
    entry = CompoundingEntry(
        compounded_on=COMPOUNDED_ON,
        components=LIQUID_PLAN.planned,
        quantity_made=D(142),
        final_volume_ml=D("141.5"),
    )
    return replace(entry, **changes)


def test_the_worksheet_as_planned_can_be_recorded():
    assert entry_problems(capsule_entry(), CAPSULE_PLAN, SHELF) == []
    assert entry_problems(liquid_entry(), LIQUID_PLAN, SHELF) == []


def test_numbers_may_be_given_as_text_and_are_read_as_decimals():
    entry = CompoundingEntry(
        COMPOUNDED_ON,
        [ComponentUse("vial_cap", "VIAL-2404", "1")],
        "32",
        capsule_weights_mg=["225.5", 224],
        final_volume_ml=None,
    )
    assert entry.quantity_made == D(32)
    assert entry.capsule_weights_mg == (D("225.5"), D(224))
    assert entry.components[0].amount == D(1)


PLANNED = CAPSULE_PLAN.planned
API, FILLER, SHELLS, VIAL = PLANNED


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"components": ()}, "components", "record the lot and amount of every ingredient"),
        ({"components": (API, FILLER, SHELLS)}, "components", "no lot recorded for vial_cap"),
        (
            {"components": (*PLANNED, ComponentUse("amber_bottle", "AMB-2406", D(1)))},
            "components[4].ingredient_code",
            "'amber_bottle' is not on the worksheet",
        ),
        (
            {"components": (*PLANNED, VIAL)},
            "components[4].lot_number",
            "lot VIAL-2404 of vial_cap is listed twice",
        ),
        (
            {"components": (API, FILLER, SHELLS, replace(VIAL, lot_number="NOPE"))},
            "components[3].lot_number",
            "there is no lot NOPE of vial_cap",
        ),
        (
            {"components": (API, FILLER, SHELLS, replace(VIAL, lot_number=" "))},
            "components[3].lot_number",
            "name the lot used",
        ),
        (
            {"components": (API, FILLER, SHELLS, replace(VIAL, amount=D("1.5")))},
            "components[3].amount",
            "must be a whole number",
        ),
        (
            {"components": (replace(API, amount=D("120.001")), FILLER, SHELLS, VIAL)},
            "components[0].amount",
            "must have at most 2 decimals",
        ),
        (
            {"components": (replace(API, amount=D(0)), FILLER, SHELLS, VIAL)},
            "components[0].amount",
            "must be more than 0",
        ),
        (
            {"components": (replace(API, amount="lots"), FILLER, SHELLS, VIAL)},
            "components[0].amount",
            "must be a number",
        ),
        (
            {"components": (API, FILLER, SHELLS, replace(VIAL, amount=D(501)))},
            "components[3].amount",
            "501 each is more than lot VIAL-2404 has on hand (500 each)",
        ),
        ({"quantity_made": D("31.5")}, "quantity_made", "must be a whole number"),
        ({"quantity_made": D("1E+40")}, "quantity_made", "must be less than 100000000"),
        ({"quantity_made": D("Infinity")}, "quantity_made", "must be a number"),
        (
            {"quantity_made": D(29)},
            "quantity_made",
            "29 capsules made is less than the 30 capsules to dispense",
        ),
        ({"capsule_weights_mg": ()}, "capsule_weights_mg", "weigh a sample of filled capsules"),
        ({"capsule_weights_mg": (D(225), D(-1))}, "capsule_weights_mg[1]", "more than 0"),
        ({"capsule_weights_mg": (D(225),) * 33}, "capsule_weights_mg", "33 weights for 32"),
        ({"final_volume_ml": D(10)}, "final_volume_ml", "is measured for an oral liquid"),
        ({"deviations": "bell\x07"}, "deviations", "must not contain control characters"),
        (
            {"compounded_on": COMPOUNDED_ON - timedelta(days=1)},
            "compounded_on",
            "must not be before the worksheet's day 2026-11-21",
        ),
        (
            {"compounded_on": BUD},
            "compounded_on",
            "is not before the beyond-use date 2027-05-19",
        ),
    ],
)
def test_an_entry_that_breaks_a_rule_names_the_field(changes, field, message):
    problems = entry_problems(capsule_entry(**changes), CAPSULE_PLAN, SHELF)
    assert [p.field for p in problems] == [field], problems
    assert message in problems[0].message


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"final_volume_ml": None}, "final_volume_ml", "measure the final volume"),
        ({"final_volume_ml": D("-3")}, "final_volume_ml", "must be more than 0"),
        ({"capsule_weights_mg": (D(225),)}, "capsule_weights_mg", "for capsules, not"),
        ({"quantity_made": D("134.9")}, "quantity_made", "less than the 135.0 mL to dispense"),
    ],
)
def test_an_oral_liquid_is_checked_by_its_volume(changes, field, message):
    problems = entry_problems(liquid_entry(**changes), LIQUID_PLAN, SHELF)
    assert [p.field for p in problems] == [field], problems
    assert message in problems[0].message


def test_a_lot_the_batch_may_not_use_is_named_with_the_reason():
    shelf = dict(SHELF)
    shelf[("vial_cap", "VIAL-2404")] = replace(SHELF[("vial_cap", "VIAL-2404")], quarantined=True)
    [problem] = entry_problems(capsule_entry(), CAPSULE_PLAN, shelf)
    assert (problem.field, problem.message) == (
        "components[3].lot_number",
        "lot VIAL-2404 of vial_cap is quarantined",
    )


def test_every_problem_is_reported_at_once():
    entry = capsule_entry(components=(API,), quantity_made=D(1), capsule_weights_mg=())
    fields = [p.field for p in entry_problems(entry, CAPSULE_PLAN, SHELF)]
    assert fields == ["components", "quantity_made", "capsule_weights_mg"]


# --- written reasons and notes ----------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "problem"),
    [
        ("Opioid stopped 2 weeks ago, confirmed with prescriber", None),
        ("  Prescriber confirmed.  \r\n", None),
        ("Line one\nline two\twith a tab", None),
        ("Prescriber says stop — 患者は中止", None),
        (None, "a written reason is required"),
        ("", "a written reason is required"),
        ("   \n ", "a written reason is required"),
        ("ok", "write the reason out: at least 10 characters"),
        ("123456789012", "write the reason out: at least 10 characters"),
        ("x" * 1001, "must be at most 1000 characters"),
        ("confirmed\x00 by phone", "must not contain control characters (found U+0000)"),
        ("\x1b[31mconfirmed by phone", "must not contain control characters (found U+001B)"),
        ("confirmed \u202eenohp yb", "must not contain control characters (found U+202E)"),
    ],
)
def test_a_reason_is_written_out_without_control_characters(reason, problem):
    assert reason_problem(reason) == problem


@pytest.mark.parametrize(
    ("note", "problem"),
    [
        ("", None),
        ("Weighed on balance 2: balance 1 out of calibration.", None),
        ("x" * 4001, "must be at most 4000 characters"),
        ("\x08oops", "must not contain control characters (found U+0008)"),
        (None, "must be text"),
    ],
)
def test_a_deviation_note_may_be_empty_but_not_hold_control_characters(note, problem):
    assert note_problem(note) == problem


def test_text_is_kept_with_plain_line_ends_and_no_outer_blanks():
    assert tidy("  first\r\nsecond\rthird \n") == "first\nsecond\nthird"
