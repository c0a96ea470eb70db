"""The batch record's rules: the procedure read from a formula, the ticks, the yield,
and what the stock digest reports."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal as D

import pytest

from pharmacy.domain.batch_record import (
    StepTick,
    batch_yield,
    procedure_of,
    step_record,
    tick_problems,
)
from pharmacy.domain.stock import ShelfLot, below_reorder_point, expiring
from pharmacy.services.reference.defaults import FORMULAS

CAPSULES = FORMULAS[0]["formula"]
PROCEDURE = procedure_of(CAPSULES)
DAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def test_the_seeded_capsule_procedure_has_the_steps_an_inspector_looks_for():
    ids = [step.id for step in PROCEDURE]
    for step in ("geometric_dilution", "mix", "encapsulate", "qc_weight", "qc_yield"):
        assert step in ids
    assert [step.yield_percent for step in PROCEDURE if step.check == "yield"] == [(D(95), D(105))]
    assert procedure_of({"fill_weight_mg": "120"}) == ()  # an older version has none


def test_a_procedure_edited_badly_is_read_without_guessing():
    odd = {"procedure": ["mix", {"id": "a", "title": "A"}, {"id": "a", "title": "again"}, {}]}
    assert [(s.id, s.title) for s in procedure_of(odd)] == [("a", "A")]


@pytest.mark.parametrize(
    ("ticks", "message"),
    [
        ((StepTick("dance"),), "'dance' is not a step of this formula"),
        ((StepTick("mix"), StepTick("mix")), "step mix is ticked twice"),
        ((StepTick("mix", time(16, 0)),), "16:00 is later than now"),
        (("mix",), "must be a step of the procedure"),
    ],
)
def test_ticks_that_cannot_be_recorded(ticks, message):
    problems = tick_problems(ticks, PROCEDURE, DAY, NOW, UTC)
    assert [p.message for p in problems][-1] == message


def test_each_step_is_kept_with_who_ticked_it_and_when():
    kept = step_record(
        PROCEDURE,
        (StepTick("mix", time(14, 5)), StepTick("weigh")),
        user_id=7,
        initials="AB",
        day=DAY,
        recorded_at=NOW,
        zone=UTC,
    )
    by_id = {step["id"]: step for step in kept}
    assert by_id["mix"]["at"] == "2026-03-02T14:05:00+00:00"
    assert by_id["weigh"]["at"] == NOW.isoformat() and by_id["weigh"]["initials"] == "AB"
    assert by_id["encapsulate"] == {**by_id["encapsulate"], "done": False}
    assert "by" not in by_id["encapsulate"]


@pytest.mark.parametrize(
    ("made", "batch", "within", "summary"),
    [
        (D(32), D(32), True, "yield 100.0 % (within 95-105 %)"),
        (D(30), D(32), False, "yield 93.8 % (outside 95-105 %)"),
        (D("33.6"), D(32), True, "yield 105.0 % (within 95-105 %)"),
    ],
)
def test_yield(made, batch, within, summary):
    result = batch_yield(made, batch, PROCEDURE)
    assert (result.within, result.summary) == (within, summary)


def _lot(number, days, quantity="10", quarantined=False, code="vial_cap"):
    return ShelfLot(1, code, number, DAY + timedelta(days), D(quantity), quarantined)


@pytest.mark.parametrize(
    ("lot", "listed"),
    [
        (_lot("in-30", 30), True),
        (_lot("in-60", 60), True),
        (_lot("in-61", 61), False),
        (_lot("in-90", 90), False),
        (_lot("expired", -3), True),
        (_lot("empty", 30, "0"), False),
        (_lot("quarantined", 30, quarantined=True), False),
    ],
)
def test_the_digest_lists_lots_expiring_within_60_days(lot, listed):
    assert (lot in expiring([lot], DAY)) is listed


def test_an_ingredient_is_low_below_its_reorder_point_counting_usable_lots_only():
    lots = [_lot("a", 100, "30"), _lot("b", -1, "500"), _lot("c", 100, "500", quarantined=True)]
    assert below_reorder_point(lots, {"vial_cap": D(50)}, DAY) == {"vial_cap": D(30)}
    assert below_reorder_point(lots, {"vial_cap": D(30)}, DAY) == {}
    assert below_reorder_point(lots, {"vial_cap": None}, DAY) == {}
