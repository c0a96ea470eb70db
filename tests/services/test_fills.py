"""Fills and refills end to end, on each database: a prescription filled again and
again, each fill worked by the worker's service and taken through the counter's
actions, as the pharmacy fills it.

What a pharmacist would check: each fill holds the doses of its part of the course and
the quantity to match, the label names the fill and the refills left after it, every
fill keeps its own records, and a refill is screened on the patient's lists as they
are on record now.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from pharmacy.domain.prescription import DirectionStep
from pharmacy.domain.refills import RefillRefused
from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.services import SYSTEM, Conflict
from pharmacy.services.reads.order_view import view_order
from tests.support.orders import OPIOID

# 1.5 mg, then 3 mg, then 4.5 mg: a month each, one fill each.
THREE_FILL_COURSE = {
    "times_per_day": 1,
    "steps": [
        {"dose_mg": 1.5, "days": 30},
        {"dose_mg": 3, "days": 30},
        {"dose_mg": 4.5, "days": 30},
    ],
}
# Two weeks at 1.5 mg, then 3 mg: the whole titration in one 30-day fill.
ONE_FILL_TITRATION = {
    "times_per_day": 1,
    "steps": [{"dose_mg": 1.5, "days": 14}, {"dose_mg": 3, "days": 16}],
}


def steps(*pairs: tuple[str, int]) -> tuple[DirectionStep, ...]:
    return tuple(DirectionStep(Decimal(dose), days) for dose, days in pairs)


def worked_fill(counter, rx: int) -> dict:
    """What the pharmacist checks on the fill in progress once it is worked: the doses
    on its label, and the quantity the worksheet makes."""
    worksheet = counter.worksheet(rx)
    return {
        "doses": counter.label_facts(rx).steps,
        "quantity": (Decimal(worksheet["quantity"]), worksheet["unit"]),
        "strength_mg": Decimal(worksheet["strength_mg"]),
        "days_supply": worksheet["days_supply"],
    }


def next_fill(counter, rx: int) -> None:
    """The fill in progress dispensed, its days passed, and the next one worked."""
    counter.dispensed(rx)
    counter.refilled(rx)


def test_a_course_over_three_fills_climbs_fill_by_fill_then_stays_at_the_last_dose(counter):
    rx = counter.ready(directions=THREE_FILL_COURSE, refills=4)
    made = [worked_fill(counter, rx)]
    for _ in range(3):
        next_fill(counter, rx)
        made.append(worked_fill(counter, rx))

    assert [fill["doses"] for fill in made] == [
        steps(("1.5", 30)),
        steps(("3", 30)),
        steps(("4.5", 30)),
        steps(("4.5", 30)),  # after the course: maintenance at its last dose
    ]
    # Capsules of 1.5 mg, one dose a day: 1, 2, 3 and 3 capsules a day for 30 days.
    assert [fill["quantity"] for fill in made] == [
        (Decimal(30), "capsule"),
        (Decimal(60), "capsule"),
        (Decimal(90), "capsule"),
        (Decimal(90), "capsule"),
    ]
    assert {fill["strength_mg"] for fill in made} == {Decimal("1.5")}
    assert {fill["days_supply"] for fill in made} == {30}
    shown = counter.shown(rx)
    assert [fill["number"] for fill in shown["fills"]] == [0, 1, 2, 3]
    assert [fill["quantity"]["value"] for fill in shown["fills"]] == ["30", "60", "90", "90"]
    assert shown["quantity"] == {"value": "90", "unit": "capsule"}


def test_refills_of_a_one_fill_titration_go_on_at_its_last_dose(counter):
    rx = counter.ready(directions=ONE_FILL_TITRATION, refills=2)
    made = [worked_fill(counter, rx)]
    for _ in range(2):
        next_fill(counter, rx)
        made.append(worked_fill(counter, rx))

    assert [fill["doses"] for fill in made] == [
        steps(("1.5", 14), ("3", 16)),
        steps(("3", 30)),  # never 1.5 mg again: a refill does not restart the titration
        steps(("3", 30)),
    ]
    assert [fill["quantity"] for fill in made] == [
        (Decimal(46), "capsule"),
        (Decimal(60), "capsule"),
        (Decimal(60), "capsule"),
    ]


def test_the_label_and_the_clinic_are_told_the_refills_left(counter):
    rx = counter.ready(refills=2)
    seen = []
    for fill in range(3):
        if fill:
            counter.refilled(rx)
        label = counter.label_text(rx)
        in_progress = counter.shown(rx)["refills_remaining"]
        counter.dispensed(rx)
        seen.append((label, in_progress, counter.shown(rx)["refills_remaining"]))

    lines = ["Original fill · 2 refills left", "Refill 1 of 2 · 1 refill left"]
    lines.append("Refill 2 of 2 · No refills left")
    for (label, _, _), line in zip(seen, lines, strict=True):
        assert line in label
    # A refill is spent when it is handed over, not when it is asked for.
    assert [(before, after) for _, before, after in seen] == [(2, 2), (2, 1), (1, 0)]
    counter.days_pass(rx, 30)
    with pytest.raises(RefillRefused) as refused:
        counter.refill(rx)
    assert refused.value.code == "no_refills_left"
    assert [fill.dispensed_on is not None for fill in counter.fills(rx)] == [True] * 3


def test_each_fill_keeps_its_own_records_and_the_order_page_shows_the_current_ones(counter):
    rx = counter.held(refills=2)  # on an opioid: held, and released by a pharmacist
    counter.act("override", "pharmacist", rx)
    counter.dispensed(rx)
    first = counter.fill_records(rx)
    counter.days_pass(rx, 30)
    assert counter.refill(rx) == 1
    counter.work(rx)
    assert counter.status(rx) == Status.ON_HOLD  # still on the opioid: held again
    counter.act("override", "pharmacist", rx)
    counter.call("record_compounding", "technician", rx, counter.entry(rx))

    records = counter.fill_records(rx)
    assert records[0] == first[0]  # the first fill's records, untouched under its number
    assert set(records) == {0, 1}
    for fill in (0, 1):
        kept = records[fill]
        assert len(kept["worksheet"]) == 1
        assert len(kept["price_lines"]) > 0
        assert [code for _, code, _ in kept["alerts"]].count("opioid_interaction") == 1
        assert len(kept["compounding_record"]) == 1
    assert [(f, t) for _, f, t in records[0]["status_history"]] == [
        (None, "received"),
        ("received", "on_hold"),
        ("on_hold", "ready"),
        ("ready", "compounded"),
        ("compounded", "verified"),
        ("verified", "dispensed"),
    ]
    assert [(f, t) for _, f, t in records[1]["status_history"]] == [
        (None, "received"),
        ("received", "on_hold"),
        ("on_hold", "ready"),
        ("ready", "compounded"),
    ]
    assert records[0]["compounding_record"][0][1] is not None  # verified
    assert records[1]["compounding_record"][0][1] is None  # not yet

    with counter.app.app_context():
        page = view_order(database.session, rx, actor=SYSTEM)
        order = page.prescription
        assert order.status == Status.COMPOUNDED
        assert order.worksheet.id == records[1]["worksheet"][0][0]
        assert [a.id for a in order.alerts] == [a[0] for a in records[1]["alerts"]]
        assert [line.id for line in order.price_lines] == [
            line[0] for line in records[1]["price_lines"]
        ]
        assert page.record.id == records[1]["compounding_record"][0][0]
        assert page.record.verified_by is None


def test_a_refill_is_screened_on_the_patients_lists_as_they_are_now(counter):
    patient = f"{counter.patients}-{uuid.uuid4().hex[:8]}"
    rx = counter.ready(last_name=patient, refills=2)
    counter.dispensed(rx)
    # Since then the clinic sent another order: the patient now takes an opioid.
    later = counter.held(last_name=patient, medications=[OPIOID])
    counter.act("cancel", counter.canceller, later)

    counter.days_pass(rx, 30)
    counter.refill(rx)
    counter.work(rx)
    assert counter.status(rx) == Status.ON_HOLD
    shown = counter.shown(rx)
    [alert] = [a for a in shown["alerts"] if a["code"] == "opioid_interaction"]
    assert alert["severity"] == "hard_stop"
    assert "Percocet" in alert["detail"]
    assert shown["fills"][0]["status"] == "dispensed"  # the first fill was not on it
    assert "opioid_interaction" not in [
        code for _, code, _ in counter.fill_records(rx)[0]["alerts"]
    ]


def test_a_refill_is_not_handed_over_under_the_label_of_an_earlier_fill(counter):
    rx = counter.dispensed(counter.ready())  # its label printed and handed over
    counter.days_pass(rx, 30)
    counter.refill(rx)
    counter.work(rx)
    counter.call("record_compounding", "technician", rx, counter.entry(rx))
    counter.call("verify", "pharmacist", rx)

    with pytest.raises(Conflict) as refused:
        counter.call("dispense", "technician", rx)
    assert refused.value.code == "label_not_printed"
    assert counter.status(rx) == Status.VERIFIED
    assert "Refill 1 of 2 · 1 refill left" in counter.label_text(rx)
    counter.call("dispense", "technician", rx)
    assert counter.status(rx) == Status.DISPENSED


def test_a_cancelled_refill_spends_nothing_and_the_next_is_the_same_refill(counter):
    rx = counter.dispensed(counter.ready(refills=2))
    counter.days_pass(rx, 30)
    assert counter.refill(rx) == 1
    counter.work(rx)
    counter.act("cancel", counter.canceller, rx)
    assert counter.shown(rx)["refills_remaining"] == 2

    assert counter.refill(rx) == 2  # the next fill, but still the first refill
    counter.work(rx)
    assert "Refill 1 of 2 · 1 refill left" in counter.label_text(rx)
    counter.dispensed(rx)
    shown = counter.shown(rx)
    assert [(f["number"], f["refill"], f["status"]) for f in shown["fills"]] == [
        (0, 0, "dispensed"),
        (1, 1, "cancelled"),
        (2, 1, "dispensed"),
    ]
    assert shown["refills_remaining"] == 1


def test_after_a_cancelled_refill_too_soon_counts_from_the_last_fill_handed_over(counter):
    rx = counter.dispensed(counter.ready(refills=2))
    counter.days_pass(rx, 30)
    counter.refill(rx)
    counter.dispensed(rx)  # refill 1 handed over today
    counter.days_pass(rx, 30)
    counter.refill(rx)
    counter.act("cancel", counter.canceller, rx)  # refill 2 started, then cancelled
    counter.days_pass(rx, -25)  # back to 5 days after refill 1 was handed over
    with pytest.raises(RefillRefused) as refused:
        counter.refill(rx)
    assert refused.value.code == "too_soon"
    assert refused.value.earliest_on == counter.today + timedelta(days=18)
