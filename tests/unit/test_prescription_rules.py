"""The prescription rules of domain.md §2, table by table."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from pharmacy.domain import prescription as rx
from pharmacy.domain.identifiers import dea_problem, npi_problem

TODAY = date(2026, 11, 21)


@pytest.mark.parametrize(
    ("dose", "accepted"),
    [
        ("0.5", True),
        ("4.5", True),
        ("1.75", True),
        ("3", True),
        ("0.49", False),
        ("4.51", False),
        ("0", False),
        ("-1", False),
        ("5", False),
        ("50", False),
        ("1.123", False),
        ("NaN", False),
        ("Infinity", False),
    ],
)
def test_an_ldn_dose_is_half_to_four_and_a_half_mg_with_two_decimals(dose, accepted):
    assert (rx.dose_problem(Decimal(dose)) is None) is accepted


def test_an_out_of_range_dose_is_told_the_allowed_range():
    assert "between 0.5 and 4.5 mg" in rx.dose_problem(Decimal("5"))


@pytest.mark.parametrize(
    ("npi", "problem"),
    [
        ("1234567893", None),
        ("1245319599", None),
        ("1234567890", "check digit"),
        ("123456789", "10 digits"),
        ("12345678931", "10 digits"),
        ("12345678a3", "10 digits"),
        ("１２３４５６７８９３", "10 digits"),  # full-width digits are not ASCII digits
        ("3234567893", "start with 1 or 2"),
    ],
)
def test_npi_check_digit_is_luhn_over_80840_prefix(npi, problem):
    found = npi_problem(npi)
    assert found is None if problem is None else problem in found


@pytest.mark.parametrize(
    ("dea", "valid"),
    [("AB1234563", True), ("AB1234564", False), ("A11234563", False), ("AB123456", False)],
)
def test_dea_number_check_digit(dea, valid):
    assert (dea_problem(dea) is None) is valid


@pytest.mark.parametrize(
    ("check", "value", "valid"),
    [
        (rx.days_supply_problem, 1, True),
        (rx.days_supply_problem, 90, True),
        (rx.days_supply_problem, 0, False),
        (rx.days_supply_problem, 91, False),
        (rx.refills_problem, 0, True),
        (rx.refills_problem, 11, True),
        (rx.refills_problem, 12, False),
        (rx.refills_problem, -1, False),
        (rx.times_per_day_problem, 1, True),
        (rx.times_per_day_problem, 0, False),
    ],
)
def test_counts_stay_in_their_ranges(check, value, valid):
    assert (check(value) is None) is valid


def _order(form="capsule", strength="1.5", steps=(("1.5", 30),), **changes):
    order = rx.PrescriptionOrder(
        prescriber=rx.Prescriber("1234567893", "Joe", "Example", "614-555-0100"),
        patient=rx.Patient("Ada", "Lovelace", date(1980, 1, 2)),
        dosage_form=rx.DosageForm(form),
        strength_mg=Decimal(strength),
        directions=rx.Directions(tuple(rx.DirectionStep(Decimal(d), n) for d, n in steps)),
        written_on=date(2026, 11, 20),
        days_supply=sum(n for _, n in steps),
    )
    return replace(order, **changes)


def _fields(order):
    return [(p.field, p.message) for p in rx.prescription_problems(order, TODAY)]


def test_a_plain_fixed_dose_order_has_no_problem():
    assert _fields(_order()) == []


def test_titration_steps_must_add_up_to_the_days_supply():
    order = _order(steps=(("1.5", 14), ("3", 14)), days_supply=30, refills=2)
    assert _fields(order) == [
        (
            "directions.steps",
            "the steps' days add up to 28 but must equal days_supply (30) or a whole number "
            "of fills of it, at most refills + 1 (3) fills: 60 or 90",
        )
    ]


THREE_FILLS = (("1.5", 30), ("3", 30), ("4.5", 30))


@pytest.mark.parametrize(
    ("steps", "days_supply", "refills", "accepted"),
    [
        ((("1.5", 30),), 30, 0, True),  # one fill, every refill the same
        ((("1.5", 14), ("3", 14), ("4.5", 2)), 30, 0, True),  # a one-fill titration
        (THREE_FILLS, 30, 2, True),  # a course of three fills, with a fill for each part
        (THREE_FILLS, 30, 11, True),
        ((("1.5", 30), ("3", 30)), 30, 1, True),
        ((("1.5", 7), ("3", 7), ("4.5", 7), ("4.5", 7)), 7, 3, True),  # four fills of 7
        ((("1.5", 14), ("3", 14), ("4.5", 62)), 30, 2, True),  # steps cut by the fills
        (THREE_FILLS, 30, 1, False),  # three fills, but only two fills written
        (THREE_FILLS, 30, 0, False),
        ((("1.5", 30), ("3", 45)), 30, 2, False),  # 75: not a whole number of fills
        ((("1.5", 14), ("3", 14)), 30, 2, False),  # 28: short of one fill
        ((("1.5", 45),), 30, 2, False),  # a fill and a half
        ((("1.5", 30), ("3", 30)), 45, 2, False),  # 60 is 1⅓ fills of 45
        ((("1.5", 90), ("3", 90)), 90, 1, True),  # two fills of 90
    ],
)
def test_the_steps_last_one_fill_or_a_whole_number_of_fills_at_most_refills_plus_one(
    steps, days_supply, refills, accepted
):
    order = _order(steps=steps, days_supply=days_supply, refills=refills)
    fields = [field for field, _ in _fields(order)]
    assert fields == ([] if accepted else ["directions.steps"])


@pytest.mark.parametrize(
    ("steps", "days_supply", "refills", "message"),
    [
        (
            (("1.5", 30), ("3", 45)),
            30,
            2,
            "the steps' days add up to 75 but must equal days_supply (30) or a whole number "
            "of fills of it, at most refills + 1 (3) fills: 60 or 90",
        ),
        (
            THREE_FILLS,
            30,
            1,
            "the steps' days add up to 90 but must equal days_supply (30) or a whole number "
            "of fills of it, at most refills + 1 (2) fills: 60",
        ),
        (
            (("1.5", 14), ("3", 14)),
            30,
            0,
            "the steps' days add up to 28 but must equal days_supply (30) or a whole number "
            "of fills of it, at most refills + 1 (1) fills, so only 30 with no refills",
        ),
        (
            (("1.5", 7), ("3", 7), ("4.5", 7)),
            14,
            4,
            "the steps' days add up to 21 but must equal days_supply (14) or a whole number "
            "of fills of it, at most refills + 1 (5) fills: 28, 42, 56 or 70",
        ),
    ],
)
def test_a_course_that_is_not_whole_fills_is_told_both_allowed_forms(
    steps, days_supply, refills, message
):
    order = _order(steps=steps, days_supply=days_supply, refills=refills)
    assert _fields(order) == [("directions.steps", message)]


def test_the_course_rule_leaves_the_other_rules_as_they_were():
    order = _order(strength="1.5", steps=(("1.5", 30), ("2", 30)), days_supply=30, refills=0)
    assert [field for field, _ in _fields(order)] == [
        "directions.steps",
        "directions.steps[1].dose_mg",
    ]


def test_a_capsule_dose_must_be_whole_capsules():
    problems = _fields(_order(strength="1.5", steps=(("1.5", 10), ("2", 20))))
    assert problems == [
        ("directions.steps[1].dose_mg", "2 mg is not a whole number of 1.5 mg capsules")
    ]


def test_a_titration_in_whole_capsules_is_accepted():
    assert _fields(_order(strength="1.5", steps=(("1.5", 10), ("3", 10), ("4.5", 10)))) == []


def test_a_liquid_dose_need_not_be_whole_millilitres():
    assert _fields(_order(form="oral_liquid", strength="1", steps=(("1.7", 30),))) == []


def test_the_day_total_may_not_exceed_four_and_a_half_mg():
    order = _order(strength="1.5", steps=(("3", 30),))
    order = replace(order, directions=replace(order.directions, times_per_day=2))
    [(field, message)] = _fields(order)
    assert field == "directions.steps[0].dose_mg"
    assert "6 mg a day" in message


@pytest.mark.parametrize(
    ("written_on", "message"),
    [
        (date(2026, 11, 21), None),
        (date(2025, 11, 21), None),
        (date(2026, 11, 22), "must not be in the future"),
        (date(2025, 11, 20), "must not be older than one year"),
    ],
)
def test_the_written_date_is_within_the_last_year(written_on, message):
    problems = _fields(_order(written_on=written_on))
    assert problems == ([] if message is None else [("written_on", message)])


def test_a_patient_cannot_be_born_tomorrow():
    order = _order(patient=rx.Patient("Ada", "Lovelace", date(2026, 11, 22)))
    assert _fields(order) == [("patient.date_of_birth", "must not be in the future")]
