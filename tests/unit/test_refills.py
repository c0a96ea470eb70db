"""Fills and refills (domain §10, api.md "Fills, refills and titration across fills"):
when a refill may start, which doses each fill holds, what its label says."""

from __future__ import annotations

import pickle
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from pharmacy.domain import prescription as rx
from pharmacy.domain.compounding import quantity_dispensed
from pharmacy.domain.prescription import DirectionStep
from pharmacy.domain.refills import (
    REFILL_REFUSALS,
    LastFill,
    RefillRefused,
    course_fills,
    expires_on,
    fill_steps,
    refill_line,
    refill_refusal,
    refills_left_after,
)
from pharmacy.domain.workflow import Status
from tests.support.compounding import make_order, worksheet

RX = "1000001"
WRITTEN = date(2026, 11, 20)
DISPENSED = date(2026, 12, 21)


def steps(*pairs: tuple[str, int]) -> tuple[DirectionStep, ...]:
    return tuple(DirectionStep(Decimal(dose), days) for dose, days in pairs)


def dispensed(on: date = DISPENSED, days: int = 30) -> LastFill:
    return LastFill(Status.DISPENSED.value, on, days)


def refusal(**changes) -> RefillRefused | None:
    """A prescription written 2026-11-20 with 2 refills left, its last fill of 30 days
    dispensed 2026-12-21, asked for a refill on 2027-01-20, with `changes`."""
    facts = {
        "rx_number": RX,
        "prescription_closed": False,
        "last_fill": dispensed(),
        "refills_remaining": 2,
        "written_on": WRITTEN,
        "today": date(2027, 1, 20),
    }
    return refill_refusal(**{**facts, **changes})


def code(**changes) -> str | None:
    found = refusal(**changes)
    return None if found is None else found.code


# -- when a refill may start ----------------------------------------------------------


def test_the_refusal_codes_are_the_apis_in_the_order_they_are_checked():
    assert REFILL_REFUSALS == (
        "not_active",
        "fill_in_progress",
        "expired",
        "no_refills_left",
        "too_soon",
    )


def test_a_refill_of_a_current_prescription_with_refills_left_may_start():
    assert refusal() is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"prescription_closed": True}, "not_active"),
        ({"last_fill": LastFill("rejected", None, 30)}, "not_active"),
        *(
            ({"last_fill": LastFill(status.value, None, 30)}, "fill_in_progress")
            for status in (
                Status.RECEIVED,
                Status.READY,
                Status.ON_HOLD,
                Status.COMPOUNDED,
                Status.VERIFIED,
            )
        ),
        ({"today": date(2027, 11, 21)}, "expired"),
        ({"refills_remaining": 0}, "no_refills_left"),
        ({"refills_remaining": -1}, "no_refills_left"),
        ({"today": date(2027, 1, 12)}, "too_soon"),
        ({"last_fill": LastFill("cancelled", None, 30), "today": DISPENSED}, None),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_refusal_on_its_own(changes, expected):
    assert code(**changes) == expected


# Every reason at once, then one fewer at a time: the first left is the one told.
ALL_REASONS = {
    "prescription_closed": True,
    "last_fill": LastFill("ready", None, 30),
    "today": date(2027, 11, 21),
    "refills_remaining": 0,
}


@pytest.mark.parametrize(
    ("lifted", "expected"),
    [
        ((), "not_active"),
        (("prescription_closed",), "fill_in_progress"),
        (("prescription_closed", "last_fill"), "expired"),
        (("prescription_closed", "last_fill", "today"), "no_refills_left"),
    ],
)
def test_the_first_reason_in_order_is_the_one_told(lifted, expected):
    changes = {key: value for key, value in ALL_REASONS.items() if key not in lifted}
    assert code(**changes) == expected


def test_a_rejected_last_fill_is_not_active_even_if_it_never_finished():
    assert code(last_fill=LastFill("rejected", None, 30), refills_remaining=0) == "not_active"


def test_too_soon_is_told_last_and_only_when_nothing_else_stands_in_the_way():
    too_soon = {"today": date(2027, 1, 1)}
    assert code(**too_soon) == "too_soon"
    assert code(**too_soon, refills_remaining=0) == "no_refills_left"
    written_long_ago = {"written_on": date(2025, 12, 20), "today": date(2026, 12, 21)}
    assert code(**written_long_ago, last_fill=dispensed(date(2026, 12, 1))) == "expired"


@pytest.mark.parametrize(
    ("days_supply", "days_after", "too_soon"),
    [
        # 30 days: 74 % is 22.2 days, 75 % is 22.5, so day 23 is the first day.
        (30, 0, True),
        (30, 22, True),
        (30, 23, False),
        (30, 29, False),
        # 7 days: 75 % is 5.25 days, so day 6.
        (7, 5, True),
        (7, 6, False),
        # 90 days: 75 % is 67.5 days, so day 68.
        (90, 67, True),
        (90, 68, False),
    ],
)
def test_too_soon_until_75_percent_of_the_last_fill_has_passed(days_supply, days_after, too_soon):
    on = date.fromordinal(DISPENSED.toordinal() + days_after)
    found = code(last_fill=dispensed(days=days_supply), today=on)
    assert found == ("too_soon" if too_soon else None)


def test_too_soon_says_the_first_day_a_refill_may_start():
    found = refusal(today=date(2027, 1, 12))
    assert found == RefillRefused(
        "too_soon", "too soon: Rx 1000001 can be refilled from 2027-01-13", date(2027, 1, 13)
    )
    assert refusal(today=found.earliest_on) is None


@pytest.mark.parametrize(
    ("percent", "earliest"),
    [(75, date(2027, 1, 13)), (74, date(2027, 1, 13)), (80, date(2027, 1, 14)), (0, DISPENSED)],
)
def test_the_too_soon_share_is_a_setting(percent, earliest):
    found = refusal(today=DISPENSED, too_soon_percent=percent)
    assert (found.earliest_on if found else DISPENSED) == earliest


def test_a_cancelled_fill_is_neither_in_progress_nor_a_reason_to_wait():
    cancelled = LastFill("cancelled", None, 30)
    assert refusal(last_fill=cancelled, today=WRITTEN) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"prescription_closed": True},
            "Rx 1000001 is not active (it was stopped); ask the prescriber for a new prescription",
        ),
        (
            {"last_fill": LastFill("rejected", None, 30)},
            "Rx 1000001 is not active (its last fill was rejected); ask the prescriber for a "
            "new prescription",
        ),
        (
            {"last_fill": LastFill("on_hold", None, 30)},
            "Rx 1000001 already has a fill in progress (on_hold); it must be dispensed or "
            "cancelled before a refill",
        ),
        (
            {"today": date(2027, 11, 21)},
            "Rx 1000001 expired on 2027-11-20; ask the prescriber for a renewal",
        ),
        (
            {"refills_remaining": 0},
            "no refills are left on Rx 1000001; ask the prescriber for a renewal",
        ),
    ],
)
def test_each_refusal_tells_a_person_what_to_do(changes, message):
    found = refusal(**changes)
    assert (found.message, str(found), found.earliest_on) == (message, message, None)


def test_a_refusal_is_an_exception_that_survives_a_trip_through_a_task_result():
    found = refusal(today=date(2027, 1, 1))
    assert isinstance(found, Exception)
    with pytest.raises(RefillRefused, match="too soon"):
        raise found
    assert pickle.loads(pickle.dumps(found)) == found


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("too_late", "no"), "not a refill refusal"),
        (("too_soon", "too soon"), "earliest_on"),
        (("expired", "expired", date(2027, 1, 1)), "earliest_on"),
    ],
)
def test_a_refusal_has_a_known_code_and_a_date_only_when_too_soon(arguments, message):
    with pytest.raises(ValueError, match=message):
        RefillRefused(*arguments)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("lost_in_the_mail", None, 30), "is not a valid Status"),
        (("shipped", None, 30), "handed over has the day it was dispensed or shipped"),
        (("dispensed", None, 30), "the day it was dispensed"),
        (("cancelled", None, 0), "at least one day"),
    ],
)
def test_a_last_fill_must_make_sense(arguments, message):
    with pytest.raises(ValueError, match=message):
        LastFill(*arguments)


# -- when a prescription expires ------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expires"),
    [
        (date(2026, 11, 20), date(2027, 11, 20)),
        (date(2027, 2, 28), date(2028, 2, 28)),
        (date(2028, 2, 29), date(2029, 2, 28)),
        (date(2028, 3, 1), date(2029, 3, 1)),
        (date(2026, 12, 31), date(2027, 12, 31)),
    ],
)
def test_a_prescription_expires_a_year_after_it_was_written(written, expires):
    assert expires_on(written) == expires


@pytest.mark.parametrize(
    ("today", "expected"),
    [(date(2029, 2, 28), None), (date(2029, 3, 1), "expired")],
)
def test_a_prescription_written_on_29_february_may_be_refilled_until_28_february(today, expected):
    last_fill = dispensed(date(2029, 1, 10))
    assert code(written_on=date(2028, 2, 29), today=today, last_fill=last_fill) == expected


# -- which doses a fill holds ---------------------------------------------------------

FIXED = steps(("1.5", 30))
ONE_FILL_TITRATION = steps(("1.5", 14), ("3", 14), ("4.5", 2))
THREE_FILLS = steps(("1.5", 30), ("3", 30), ("4.5", 30))
# Start at 0.5 mg and add 0.5 mg a week up to 4.5 mg: 90 days, three fills of 30.
WEEKLY = steps(*((str(Decimal("0.5") * week), 7) for week in range(1, 9)), ("4.5", 34))


@pytest.mark.parametrize(
    ("course", "days_supply", "fills"),
    [
        (
            FIXED,
            30,
            [steps(("1.5", 30)), steps(("1.5", 30)), steps(("1.5", 30))],
        ),
        (
            ONE_FILL_TITRATION,
            30,
            [ONE_FILL_TITRATION, steps(("4.5", 30)), steps(("4.5", 30))],
        ),
        (
            THREE_FILLS,
            30,
            [
                steps(("1.5", 30)),
                steps(("3", 30)),
                steps(("4.5", 30)),
                steps(("4.5", 30)),
                steps(("4.5", 30)),
            ],
        ),
        (
            # 1.5 mg for 20 days, 3 mg for 20, 4.5 mg for 20: every step but the first
            # is cut by a fill's edge and split between two fills.
            steps(("1.5", 20), ("3", 20), ("4.5", 20)),
            30,
            [
                steps(("1.5", 20), ("3", 10)),
                steps(("3", 10), ("4.5", 20)),
                steps(("4.5", 30)),
            ],
        ),
        (
            WEEKLY,
            30,
            [
                steps(("0.5", 7), ("1", 7), ("1.5", 7), ("2", 7), ("2.5", 2)),
                steps(("2.5", 5), ("3", 7), ("3.5", 7), ("4", 7), ("4.5", 4)),
                steps(("4.5", 30)),
                steps(("4.5", 30)),
            ],
        ),
        (
            # A 7-day supply: a 14-day course is two fills, then the last dose.
            steps(("1.5", 7), ("3", 7)),
            7,
            [steps(("1.5", 7)), steps(("3", 7)), steps(("3", 7))],
        ),
    ],
    ids=["fixed", "one-fill titration", "1.5-3-4.5 over three fills", "cut", "weekly", "7 days"],
)
def test_each_fill_takes_the_next_days_of_the_course_then_the_last_dose(course, days_supply, fills):
    found = [fill_steps(course, days_supply, refill) for refill in range(len(fills))]
    assert found == fills
    for fill in found:
        assert sum(step.days for step in fill) == days_supply


def test_a_refill_never_restarts_a_titration_however_late():
    assert fill_steps(ONE_FILL_TITRATION, 30, 11) == steps(("4.5", 30))
    assert fill_steps(WEEKLY, 30, 11) == steps(("4.5", 30))


def test_neighbouring_parts_of_one_dose_are_one_step():
    """The course's end and the days after it, at the same dose, print as one line."""
    assert fill_steps(steps(("1.5", 10), ("3", 5)), 30, 0) == steps(("1.5", 10), ("3", 20))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (((), 30, 0), "at least one step"),
        ((steps(("1.5", 0)), 30, 0), "at least one day"),
        ((FIXED, 0, 0), "days_supply"),
        ((FIXED, 30, -1), "refill"),
    ],
)
def test_fill_steps_refuses_what_is_not_a_course(arguments, message):
    with pytest.raises(ValueError, match=message):
        fill_steps(*arguments)


@pytest.mark.parametrize(
    ("course", "days_supply", "fills"),
    [
        (FIXED, 30, 1),
        (ONE_FILL_TITRATION, 30, 1),
        (THREE_FILLS, 30, 3),
        (WEEKLY, 30, 3),
        (steps(("1.5", 14), ("3", 14)), 7, 4),
        (steps(("1.5", 10)), 30, 1),  # shorter than one fill: still one
        (steps(("1.5", 45)), 30, 2),  # a part fill counts whole
    ],
)
def test_how_many_fills_a_course_spans(course, days_supply, fills):
    assert course_fills(course, days_supply) == fills


# -- a worksheet for one fill ---------------------------------------------------------


def fill_order(order: rx.PrescriptionOrder, refill: int) -> rx.PrescriptionOrder:
    """The order a fill's worksheet is computed from: the prescription with its steps."""
    steps_of_fill = fill_steps(order.directions.steps, order.days_supply, refill)
    return replace(order, directions=replace(order.directions, steps=steps_of_fill))


@pytest.mark.parametrize(
    ("form", "strength", "quantities"),
    [
        # 1 capsule, then 2, then 3 a day, then 3 a day for good.
        ("capsule", "1.5", [30, 60, 90, 90]),
        # 1.5 mL, 3 mL, 4.5 mL a day at 1 mg/mL.
        ("oral_liquid", "1", [45, 90, 135, 135]),
    ],
)
def test_a_worksheet_from_a_fills_steps_holds_that_fills_days(form, strength, quantities):
    course = make_order(form, strength, ("1.5", 30), ("3", 30), ("4.5", 30))
    course = replace(course, days_supply=30, refills=3)
    assert rx.prescription_problems(course, course.written_on) == []
    for refill, quantity in enumerate(quantities):
        order = fill_order(course, refill)
        sheet = worksheet(order)
        assert sheet.days_supply == 30
        assert quantity_dispensed(order) == sheet.quantity == Decimal(quantity)
        assert sheet.api.needed_mg == sheet.batch_quantity * order.strength_mg
        assert not sheet.findings


# -- what the label says about the fill -----------------------------------------------


@pytest.mark.parametrize(
    ("refill", "refills", "line", "left"),
    [
        (0, 0, "Original fill", 0),
        (0, 2, "Original fill", 2),
        (1, 2, "Refill 1 of 2", 1),
        (2, 2, "Refill 2 of 2", 0),
        (11, 11, "Refill 11 of 11", 0),
    ],
)
def test_what_a_label_says_about_the_fill(refill, refills, line, left):
    assert refill_line(refill, refills) == line
    assert refills_left_after(refill, refills) == left


def test_refills_left_never_go_below_none():
    assert refills_left_after(3, 2) == 0


@pytest.mark.parametrize(("refill", "refills"), [(-1, 2), (3, 2)])
def test_a_fill_the_prescription_does_not_have_is_not_named(refill, refills):
    with pytest.raises(ValueError, match=f"refill {refill} is not a fill"):
        refill_line(refill, refills)
