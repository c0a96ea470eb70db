"""Automatic refills, on each database: beat's round starts the next fill of a
prescription on `auto_refill` a week before the last fill runs out, as the pharmacy
would, and leaves its work for the outbox sweep.

What a pharmacist would notice: the refill appears on its own at the right time and is
worked like any other; it never starts twice; a prescription without automatic refills
is left alone; and one that may not be refilled is passed by with the reason in the
audit trail, once.

Beat's round looks at every prescription, so this module has a pharmacy of its own.
"""

from __future__ import annotations

import pytest

from pharmacy.domain.workflow import Status
from pharmacy.services.worker.auto_refills import SKIPPED
from tests.support.databases import app_of_its_own
from tests.support.orders import Orders
from tests.support.renewals import (
    THREE_MONTHS,
    TWO_WEEKS,
    dispensed_days_ago,
    events,
    fills,
    start_due,
    unsent_work,
)
from tests.support.staff import created_staff

LEAD_DAYS = 7  # the default: a week before the last fill runs out
DAYS_SUPPLY = 30


@pytest.fixture(scope="module")
def app(database_kind, tmp_path_factory):
    with app_of_its_own(database_kind, tmp_path_factory.mktemp("auto-refills")) as app:
        yield app


@pytest.fixture(scope="module")
def orders(app) -> Orders:
    return Orders(app, created_staff(app), patients="Autorefill")


def test_the_next_fill_starts_a_week_before_the_last_runs_out_and_is_worked(orders):
    rx = dispensed_days_ago(orders, DAYS_SUPPLY - LEAD_DAYS - 1, auto_refill=True, refills=2)
    assert rx not in start_due(orders)  # eight days of capsules left: not yet
    orders.days_pass(rx, 1)

    assert start_due(orders) == [rx]

    assert orders.status(rx) == Status.RECEIVED
    assert fills(orders, rx) == [(0, "original", None), (1, "auto", "system:system")]
    [requested] = events(orders, rx, "prescription.refill_requested")
    assert requested.detail["via"] == "auto" and requested.actor_type == "system"
    assert unsent_work(orders, rx) == 1  # for the sweep to send
    orders.work(rx)
    shown = orders.shown(rx)
    assert shown["status"] == "ready"
    assert [f["status"] for f in shown["fills"]] == ["dispensed", "ready"]
    assert shown["refills_remaining"] == 2  # spent when it is handed over


def test_run_twice_the_same_day_nothing_new_starts(orders):
    rx = dispensed_days_ago(orders, DAYS_SUPPLY - LEAD_DAYS, auto_refill=True, refills=2)
    assert rx in start_due(orders)
    assert start_due(orders) == []
    assert [number for number, _, _ in fills(orders, rx)] == [0, 1]
    assert len(events(orders, rx, "prescription.refill_requested")) == 1
    assert unsent_work(orders, rx) == 1


def test_a_prescription_without_automatic_refills_is_left_alone(orders):
    rx = dispensed_days_ago(orders, DAYS_SUPPLY, refills=2)
    assert rx not in start_due(orders)
    assert orders.status(rx) == Status.DISPENSED
    assert len(fills(orders, rx)) == 1


def test_a_fill_still_being_made_is_not_refilled(orders):
    rx = dispensed_days_ago(orders, DAYS_SUPPLY, auto_refill=True, refills=2)
    orders.refill(rx)  # the technician started it by hand already
    assert rx not in start_due(orders)
    assert [via for _, via, _ in fills(orders, rx)] == ["original", "dashboard"]
    assert events(orders, rx, SKIPPED) == []


def test_no_refills_left_is_passed_by_with_the_reason_once(orders):
    rx = dispensed_days_ago(orders, DAYS_SUPPLY - LEAD_DAYS, auto_refill=True, refills=0)
    for _ in range(2):
        assert rx not in start_due(orders)
    assert orders.status(rx) == Status.DISPENSED
    [skipped] = events(orders, rx, SKIPPED)
    assert skipped.detail["reason"] == "no_refills_left"
    assert skipped.detail["fill"] == 0
    assert "renewal" in skipped.detail["message"]
    orders.days_pass(rx, 3)  # a later day: still once for this fill
    assert rx not in start_due(orders)
    assert len(events(orders, rx, SKIPPED)) == 1


def test_an_expired_prescription_is_passed_by_with_the_reason(orders):
    rx = dispensed_days_ago(orders, 0, auto_refill=True, refills=3)
    orders.days_pass(rx, 400)  # written over a year ago
    assert rx not in start_due(orders)
    [skipped] = events(orders, rx, SKIPPED)
    assert skipped.detail["reason"] == "expired"


def test_a_short_supply_waits_until_it_is_no_longer_too_soon(orders):
    # Due a week before its two weeks run out (day 7), but too soon until 75 % of its
    # days have passed (day 11): it starts then, and nothing was audited meanwhile.
    rx = dispensed_days_ago(
        orders, 8, auto_refill=True, refills=2, days_supply=14, directions=TWO_WEEKS
    )
    assert rx not in start_due(orders)
    assert events(orders, rx, SKIPPED) == []
    orders.days_pass(rx, 3)
    assert start_due(orders) == [rx]
    assert [via for _, via, _ in fills(orders, rx)] == ["original", "auto"]


def test_the_lead_is_the_pharmacys_to_set(orders):
    # Three months' supply, 72 days on: 18 days of capsules left.
    rx = dispensed_days_ago(
        orders, 72, auto_refill=True, refills=1, days_supply=90, directions=THREE_MONTHS
    )
    assert rx not in start_due(orders)
    assert start_due(orders, lead_days=20) == [rx]
