"""Renewal requests, on each database: beat's round asks the prescriber to renew a
prescription once its last refill is dispensed or when it expires within ten days,
once, and the staff's list shows what is waiting for an answer.

Beat's round looks at every prescription, so this module has a pharmacy of its own.
"""

from __future__ import annotations

import pytest

from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.services import SYSTEM
from pharmacy.services.reads import renewals as renewal_reads
from tests.support.databases import app_of_its_own
from tests.support.orders import Orders
from tests.support.renewals import (
    beat_round,
    dispensed_days_ago,
    events,
    last_event,
    order,
    order_body,
    renewal_request,
    request_due,
    sent,
    start_due,
    uid_of,
)
from tests.support.staff import created_staff

REQUESTED = "prescription.renewal_requested"
# Written this many days ago, a prescription expires in 9 or 10 days (a leap year has
# one more): within the pharmacy's lead of 10.
WRITTEN_FOR_EXPIRING = 356


@pytest.fixture(scope="module")
def app(database_kind, tmp_path_factory):
    with app_of_its_own(database_kind, tmp_path_factory.mktemp("renewals")) as app:
        yield app


@pytest.fixture(scope="module")
def orders(app) -> Orders:
    return Orders(app, created_staff(app), patients="Renewal")


def test_the_last_refill_dispensed_asks_the_prescriber_once(orders):
    rx = dispensed_days_ago(orders, 30, refills=1)  # the original fill: one refill left
    assert rx not in request_due(orders)
    orders.refill(rx)
    orders.dispensed(rx)  # the last refill handed over

    assert request_due(orders) == [rx]

    assert renewal_request(orders, rx) == {
        "reason": "no_refills_left",
        "state": "requested",
        "answered": False,
        "decline_reason": None,
        "renewed_by": None,
    }
    [event] = events(orders, rx, REQUESTED)
    assert event.detail == {"reason": "no_refills_left"}
    assert event.actor_type == "system"
    assert request_due(orders) == []  # once per prescription
    assert len(events(orders, rx, REQUESTED)) == 1


def test_a_prescription_with_no_refills_is_asked_about_once_it_is_dispensed(orders):
    rx = order(orders, refills=0)
    orders.work(rx)
    assert rx not in request_due(orders)
    orders.dispensed(rx)
    assert rx in request_due(orders)
    assert renewal_request(orders, rx)["reason"] == "no_refills_left"


def test_a_prescription_expiring_within_ten_days_is_asked_about(orders):
    soon = order(orders, refills=3)
    later = order(orders, refills=3)
    orders.days_pass(soon, WRITTEN_FOR_EXPIRING - 1)  # it was written yesterday
    orders.days_pass(later, WRITTEN_FOR_EXPIRING - 20)
    asked = request_due(orders)
    assert soon in asked and later not in asked
    assert renewal_request(orders, soon)["reason"] == "expiring"
    assert renewal_request(orders, later) is None


def test_a_stopped_or_expired_prescription_is_not_asked_about(orders):
    cancelled = order(orders, refills=0)
    orders.days_pass(cancelled, WRITTEN_FOR_EXPIRING - 1)
    orders.act("cancel", orders.canceller, cancelled)
    rejected = orders.held(last_name=f"{orders.patients}-held", refills=2)
    orders.act("reject", "pharmacist", rejected)
    orders.days_pass(rejected, WRITTEN_FOR_EXPIRING - 1)
    expired = dispensed_days_ago(orders, 380, refills=0)
    asked = request_due(orders)
    for rx in (cancelled, rejected, expired):
        assert rx not in asked
        assert renewal_request(orders, rx) is None


def test_a_prescription_the_clinic_renewed_already_is_not_asked_about(orders):
    old = dispensed_days_ago(orders, 25, refills=0, last_name="Renewal-early")
    body = order_body(orders, last_name="Renewal-early", renews=uid_of(orders, old))
    new = int(sent(orders, body)["rx_number"])
    assert old not in request_due(orders)
    assert renewal_request(orders, old) is None
    assert orders.status(new) == Status.RECEIVED


def test_a_renewed_prescription_is_not_refilled_automatically(orders):
    old = dispensed_days_ago(orders, 25, refills=2, auto_refill=True, last_name="Renewal-auto")
    body = order_body(orders, last_name="Renewal-auto", renews=uid_of(orders, old))
    sent(orders, body)
    assert old not in start_due(orders)
    assert orders.status(old) == Status.DISPENSED


def test_the_staff_see_the_waiting_requests_newest_first(orders):
    first = dispensed_days_ago(orders, 1, refills=0, last_name="Renewal-first")
    beat_round(orders)
    second = dispensed_days_ago(orders, 1, refills=0, last_name="Renewal-second")
    beat_round(orders)
    with orders.app.app_context():
        waiting = renewal_reads.pending(database.session, actor=SYSTEM, request_id="list-1")
    shown = [(r.rx_number, r.patient_last_name, r.reason) for r in waiting]
    assert shown.index((second, "Renewal-second", "no_refills_left")) < shown.index(
        (first, "Renewal-first", "no_refills_left")
    )
    assert [r.requested_at for r in waiting] == sorted(
        (r.requested_at for r in waiting), reverse=True
    )
    # The list shows patients' names: who read it, and which, is on record.
    viewed = last_event(orders, "renewals.viewed")
    assert viewed.request_id == "list-1"
    assert viewed.detail["rx_numbers"] == [str(rx) for rx, _, _ in shown]
