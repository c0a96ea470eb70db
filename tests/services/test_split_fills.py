"""A fill split at its beyond-use date (domain §10), on each database: a 90-day oral
liquid that lasts fewer days is held; the pharmacist splits it; each part is worked,
labelled and dispensed for its own days and doses; the rest follows as later fills of
the same refill, which use no refill; and a split is refused for a fill its preparation
outlasts, or to anyone but a pharmacist, changing nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pharmacy.domain.prescription import DirectionStep
from pharmacy.domain.refills import RefillRefused
from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.models import Alert, Prescription
from pharmacy.services import Conflict
from pharmacy.services.counter.actions import Forbidden
from tests.support.refills import fill_rows


def lasts(counter, rx: int) -> int:
    """The days the preparation of the fill in progress lasts, as its worksheet says."""
    return int(counter.worksheet(rx)["beyond_use"]["days"])


def bud_alerts(counter, rx: int, fill: int) -> list[tuple[str, str | None]]:
    with counter.app.app_context():
        return [
            (a.code, a.resolution)
            for a in database.session.query(Alert).filter_by(prescription_id=rx, fill_number=fill)
            if a.code == "bud_shorter_than_supply"
        ]


def test_a_pharmacist_splits_a_held_fill_and_its_first_part_is_made_for_its_own_days(counter):
    rx = counter.outlasting()
    part = lasts(counter, rx)
    assert part < 90
    assert bud_alerts(counter, rx, 0) == [("bud_shorter_than_supply", None)]

    done = counter.call("split", "pharmacist", rx, request_id="test-split")

    assert (done.part_days, done.balance_days) == (part, 90 - part)
    assert done.work.payload == {"prescription_id": rx}
    assert counter.status(rx) == Status.RECEIVED
    assert bud_alerts(counter, rx, 0) == [("bud_shorter_than_supply", "split")]
    counter.work(rx)
    assert counter.status(rx) == Status.READY  # the part lasts within its BUD
    shown = counter.shown(rx)
    assert shown["quantity"] == {"value": f"{Decimal('1.5') * part:.1f}", "unit": "mL"}
    assert [(f["number"], f["refill"], f["status"]) for f in shown["fills"]] == [
        (0, 0, "split"),
        (1, 0, "ready"),
    ]
    facts = counter.label_facts(rx)
    assert facts.steps == (DirectionStep(Decimal("1.5"), part),)
    assert facts.refill == 0
    [event] = [e for e in counter.audit(rx) if e.action == "prescription.fill_split"]
    assert event.detail == {
        "fill": 1,
        "part": f"days 1 to {part} of 90",
        "balance_days": 90 - part,
    }


def test_the_rest_follows_part_by_part_as_the_same_refill_and_uses_none(counter):
    rx = counter.outlasting()
    part = lasts(counter, rx)
    counter.call("split", "pharmacist", rx)
    counter.dispensed(rx)
    # The rest waits as a refill does: for 75 % of the part's days, not of 90.
    with pytest.raises(RefillRefused) as early:
        counter.refill(rx)
    assert early.value.code == "too_soon"
    counter.days_pass(rx, part)

    parts = [(0, part)]
    while True:
        counter.refill(rx)
        counter.work(rx)
        if counter.status(rx) == Status.ON_HOLD:  # the rest still outlasts it: split again
            counter.call("split", "pharmacist", rx)
            counter.work(rx)
        with counter.app.app_context():
            row = database.session.get(Prescription, rx)
            parts.append((row.fill_first_day, row.part_days))
            assert (row.current_refill, row.refills_remaining) == (0, 2)
        counter.dispensed(rx)
        counter.days_pass(rx, parts[-1][1])
        if parts[-1][0] + parts[-1][1] == 90:
            break

    # Parts follow each other, each within what the preparation lasts, and add up.
    assert all(days <= part for _, days in parts)
    assert [first for first, _ in parts] == [
        sum(d for _, d in parts[:i]) for i in range(len(parts))
    ]
    assert sum(days for _, days in parts) == 90
    # Then the first refill: a whole 90 days again, which uses one refill.
    counter.refill(rx)
    counter.work(rx)
    assert counter.status(rx) == Status.ON_HOLD
    with counter.app.app_context():
        row = database.session.get(Prescription, rx)
        assert (row.current_refill, row.fill_first_day, row.part_days) == (1, 0, 90)
    assert [row[1] for row in fill_rows(counter, rx)][-1] == 1


def test_a_fill_its_preparation_outlasts_is_not_split(counter):
    rx = counter.ready()
    before = counter.state(rx)
    with pytest.raises(Conflict) as refused:
        counter.call("split", "pharmacist", rx)
    assert refused.value.code == "nothing_to_split"
    assert counter.state(rx) == before


@pytest.mark.parametrize("role", ["technician", "admin"])
def test_only_a_pharmacist_splits_a_fill(counter, role):
    rx = counter.outlasting()
    before = counter.state(rx)
    with pytest.raises(Forbidden):
        counter.call("split", role, rx)
    assert counter.state(rx) == before
