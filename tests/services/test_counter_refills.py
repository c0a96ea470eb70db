"""Refills at the counter, on each database: a technician takes a patient's call and
starts the next fill; who may; the contract's refusals, which change nothing; and the
switch for automatic refills, audited."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pharmacy.domain.refills import expires_on
from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.models import Prescription
from pharmacy.services import Conflict, NotFound
from pharmacy.services.counter.actions import Forbidden
from tests.support.refills import (
    auto_refill,
    fill_rows,
    refill,
    set_auto_refill,
    snapshot,
    work_for,
)


def dispensed_a_month_ago(counter, **changes) -> int:
    """An order whose original fill was dispensed, its 30 days since passed."""
    rx = counter.dispensed(counter.submit(**changes))
    counter.days_pass(rx, 30)
    return rx


def written_on(counter, rx: int):
    with counter.app.app_context():
        return database.session.get(Prescription, rx).written_on


# --- who may -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["technician", "pharmacist"])
def test_a_technician_or_a_pharmacist_starts_a_refill_for_a_patient_who_called(counter, role):
    rx = dispensed_a_month_ago(counter)
    staff = counter.staff[role]

    started = refill(counter, role, rx)

    shown = started.prescription
    assert (shown.id, shown.status) == (rx, Status.RECEIVED)
    assert (shown.current_fill, shown.current_refill, shown.refills_remaining) == (1, 1, 2)
    assert fill_rows(counter, rx)[1][:4] == (1, 1, "dashboard", f"user:{staff.username}")
    [requested] = [e for e in counter.audit(rx) if e.action == "prescription.refill_requested"]
    assert requested.actor_name == staff.username
    assert requested.detail == {"fill": 1, "refill": 1, "via": "dashboard"}
    assert requested.request_id == "test-refill"
    # The worker is asked to work the new fill once the refill is committed.
    assert started.work.topic == "prescription.received"
    assert started.work.payload == {"prescription_id": rx}
    assert ("prescription.received", False) in work_for(counter, rx)
    counter.work(rx)
    assert counter.status(rx) == Status.READY


def test_an_admin_may_not_start_a_refill_and_nothing_changes(counter):
    rx = dispensed_a_month_ago(counter)
    before = snapshot(counter, rx)
    with pytest.raises(Forbidden) as refused:
        refill(counter, "admin", rx)
    assert refused.value.code == "forbidden"  # the dashboard's 403
    assert refused.value.message.startswith(
        "only a technician or a pharmacist may start a refill; "
    )
    assert refused.value.message.endswith("is signed in as admin")
    assert snapshot(counter, rx) == before


def test_a_deactivated_account_may_not_start_a_refill(counter, deactivated):
    rx = dispensed_a_month_ago(counter)
    before = snapshot(counter, rx)
    with pytest.raises(Forbidden, match="has no active staff account"):
        refill(counter, deactivated, rx)
    assert snapshot(counter, rx) == before


def test_an_unknown_rx_number_is_not_found(counter):
    with pytest.raises(NotFound, match="there is no Rx 999"):
        refill(counter, "technician", 999)


# --- refusals ------------------------------------------------------------------------


def too_soon(counter) -> int:
    return counter.dispensed(counter.submit())  # dispensed today


def no_refills_left(counter) -> int:
    return dispensed_a_month_ago(counter, refills=0)


def in_progress(counter) -> int:
    return counter.ready()


def stopped(counter) -> int:
    return counter.in_state(Status.CANCELLED)  # its original fill cancelled


def expired(counter) -> int:
    rx = counter.dispensed(counter.submit())
    counter.days_pass(rx, 366)
    return rx


REFUSALS = {
    "too_soon": (too_soon, "too soon: Rx {rx} can be refilled from {earliest}"),
    "no_refills_left": (
        no_refills_left,
        "no refills are left on Rx {rx}; ask the prescriber for a renewal",
    ),
    "fill_in_progress": (
        in_progress,
        "Rx {rx} already has a fill in progress (ready); it must be dispensed or "
        "cancelled before a refill",
    ),
    "not_active": (
        stopped,
        "Rx {rx} is not active (it was stopped); ask the prescriber for a new prescription",
    ),
    "expired": (expired, "Rx {rx} expired on {expiry}; ask the prescriber for a renewal"),
}


@pytest.mark.parametrize("code", list(REFUSALS))
def test_a_refused_refill_says_why_in_the_contracts_words_and_changes_nothing(counter, code):
    make, words = REFUSALS[code]
    rx = make(counter)
    before = snapshot(counter, rx)
    with pytest.raises(Conflict) as refused:
        refill(counter, "technician", rx)
    earliest = counter.today + timedelta(days=23)  # 75 % of 30 days, rounded up
    expiry = expires_on(written_on(counter, rx))
    assert refused.value.code == code
    assert refused.value.message == words.format(rx=rx, earliest=earliest, expiry=expiry)
    expected_extra = {"earliest_on": earliest.isoformat()} if code == "too_soon" else {}
    assert refused.value.extra == expected_extra
    assert snapshot(counter, rx) == before


def test_a_cancelled_refill_is_started_again_as_the_same_refill(counter):
    rx = dispensed_a_month_ago(counter)
    refill(counter, "technician", rx)
    counter.call("cancel", "pharmacist", rx, counter.reason)

    again = refill(counter, "technician", rx).prescription

    assert (again.current_fill, again.current_refill, again.status) == (2, 1, Status.RECEIVED)
    assert [(*row[:2], row[4]) for row in fill_rows(counter, rx)] == [
        (0, 0, "dispensed"),
        (1, 1, "cancelled"),
        (2, 1, None),  # in progress: the prescription's row holds it
    ]


# --- automatic refills -----------------------------------------------------------------


def test_staff_switch_automatic_refills_on_and_off_and_each_switch_is_audited(counter):
    rx = counter.ready()
    assert auto_refill(counter, rx) is False

    assert set_auto_refill(counter, "technician", rx, True) is True
    assert set_auto_refill(counter, "technician", rx, True) is True  # already on: no event
    assert set_auto_refill(counter, "pharmacist", rx, False) is False

    switches = [
        (event.actor_name, event.detail)
        for event in counter.audit(rx)
        if event.action == "prescription.auto_refill_set"
    ]
    assert switches == [
        (counter.staff["technician"].username, {"auto_refill": True}),
        (counter.staff["pharmacist"].username, {"auto_refill": False}),
    ]
    assert counter.status(rx) == Status.READY  # no change to the fill


def test_an_admin_may_not_switch_automatic_refills(counter):
    rx = counter.ready()
    before = snapshot(counter, rx)
    with pytest.raises(Forbidden) as refused:
        set_auto_refill(counter, "admin", rx, True)
    assert refused.value.message.startswith(
        "only a technician or a pharmacist may switch automatic refills on or off; "
    )
    assert snapshot(counter, rx) == before
