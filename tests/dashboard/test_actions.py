"""Actions on an order from the dashboard: what each role may do in each state.

Every refusal, by role (403) or by state (409), is checked to change nothing at all:
the order, its history, alerts, record, the lots, and the audit trail.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from pharmacy.domain.labeling import OPIOID_WARNING
from pharmacy.domain.workflow import Status, roles_for
from pharmacy.extensions import database
from pharmacy.models import ROLES, Alert, CompoundingRecord, Prescription
from pharmacy.services.counter.access import ACTION_STATES, ROLE_ACTIONS, Action
from tests.support.counter import price
from tests.support.orders import REASON
from tests.support.pdf import flat, page_texts

ROUTES = {
    Action.OVERRIDE: "override",
    Action.REJECT: "reject",
    Action.RECORD_COMPOUNDING: "compounding",
    Action.VERIFY: "verify",
    Action.DISPENSE: "dispense",
    Action.SHIP: "ship",
    Action.CANCEL: "cancel",
    Action.REFILL: "refill",
    Action.ASK_PRESCRIBER: "ask-prescriber",
    Action.SPLIT: "split",
}
# The clinic's answer is the API's (tests/api/test_clarification.py): no page has it.
STAFF_ACTIONS = [action for action in Action if roles_for(action)]
ACCOUNT_FOR_ROLE = {"technician": "technician", "pharmacist": "pharmacist", "admin": "admin"}


def form_for(action: Action, pharmacy, rx: int) -> dict:
    if action in (Action.OVERRIDE, Action.REJECT, Action.ASK_PRESCRIBER, Action.CANCEL):
        return {"reason": REASON}
    if action is Action.RECORD_COMPOUNDING and pharmacy.status(rx) == Status.READY:
        return pharmacy.compounding_form(rx)
    return {}


@pytest.fixture(scope="module")
def orders(pharmacy) -> dict[Status, int]:
    """One order in every state. Refusals change nothing, so the tests share them."""
    return {status: pharmacy.in_state(status) for status in Status}


# --- the whole way, through the pages --------------------------------------------------------


def test_an_order_goes_from_ready_to_dispensed_through_the_dashboard(
    app, desk, accounts, pharmacy, tmp_path
):
    rx = pharmacy.ready()
    technician = desk(accounts["technician"])
    page = technician.get(f"/orders/{rx}").get_data(as_text=True)
    assert 'id="compounding"' in page and f"/orders/{rx}/verify" not in page

    before_lots = dict((n, q) for n, q, _ in pharmacy.state(rx)["lots"])
    response = technician.post(f"/orders/{rx}/compounding", pharmacy.compounding_form(rx))
    assert response.status_code == 303 and response.headers["Location"] == f"/orders/{rx}"
    assert pharmacy.status(rx) == Status.COMPOUNDED
    shown = technician.get(f"/orders/{rx}").get_data(as_text=True)
    assert "Compounding recorded" in shown and "capsule weight check passed" in shown
    with app.app_context():
        record = database.session.scalar(
            select(CompoundingRecord).where(CompoundingRecord.prescription_id == rx)
        )
        assert record.compounded_by == accounts["technician"].id
    after_lots = dict((n, q) for n, q, _ in pharmacy.state(rx)["lots"])
    assert sum(before_lots.values()) > sum(after_lots.values())  # taken off the shelf

    pharmacist = desk(accounts["pharmacist"])
    assert pharmacist.post(f"/orders/{rx}/verify").status_code == 303
    assert pharmacy.status(rx) == Status.VERIFIED

    label = pharmacist.post(f"/orders/{rx}/label")
    assert label.status_code == 200
    assert label.mimetype == "application/pdf"
    assert label.headers["Content-Disposition"] == f'attachment; filename="label-{rx}.pdf"'
    [text] = page_texts(label.data)
    assert f"Rx {rx}" in text and "Naltrexone HCl 1.5 mg capsule" in text
    assert flat(OPIOID_WARNING) in text
    assert "RPh: PH" in text  # the verifying pharmacist's initials
    receipt = pharmacist.post(f"/orders/{rx}/receipt")
    assert receipt.mimetype == "application/pdf"
    assert "Total" in " ".join(page_texts(receipt.data))

    # Paid at the counter, and the offer to counsel answered, it is handed over.
    unpaid = technician.post(f"/orders/{rx}/dispense", data={"counseling": "declined"})
    assert unpaid.status_code == 409 and "take payment" in unpaid.get_data(as_text=True)
    due = str(price(pharmacy, rx))
    paid = technician.post(f"/orders/{rx}/payments", data={"method": "cash", "amount": due})
    assert paid.status_code == 303
    unanswered = technician.post(f"/orders/{rx}/dispense")
    assert unanswered.status_code == 422 and "offer to counsel" in unanswered.get_data(as_text=True)
    declined = technician.post(f"/orders/{rx}/dispense", data={"counseling": "declined"})
    assert declined.status_code == 303
    assert pharmacy.status(rx) == Status.DISPENSED
    actions = [(e.action, e.actor_name) for e in pharmacy.events(rx)]
    for done, who in [
        ("prescription.compounded", "technician"),
        ("prescription.verified", "pharmacist"),
        ("label.printed", "pharmacist"),
        ("receipt.printed", "pharmacist"),
        ("payment.taken", "technician"),
        ("prescription.dispensed", "technician"),
    ]:
        assert (done, accounts[who].username) in actions


def test_a_pharmacist_overrides_a_hold_with_a_written_reason(app, desk, accounts, pharmacy):
    rx = pharmacy.held()
    station = desk(accounts["pharmacist"])
    page = station.get(f"/orders/{rx}").get_data(as_text=True)
    assert "Hard stop" in page and "Percocet" in page
    response = station.post(f"/orders/{rx}/override", {"reason": REASON})
    assert response.status_code == 303
    assert pharmacy.status(rx) == Status.READY
    with app.app_context():
        [alert] = database.session.scalars(select(Alert).where(Alert.prescription_id == rx))
        assert (alert.resolution, alert.resolved_reason) == ("overridden", REASON)
    [event] = [e for e in pharmacy.events(rx) if e.action == "prescription.overridden"]
    assert event.actor_name == accounts["pharmacist"].username
    assert event.detail["reason"] == REASON


def test_an_override_without_a_reason_comes_back_with_the_rule(desk, accounts, pharmacy):
    rx = pharmacy.held()
    station = desk(accounts["pharmacist"])
    before = pharmacy.state(rx)
    response = station.post(f"/orders/{rx}/override", {"reason": "ok"})
    assert response.status_code == 422
    assert "write the reason out" in response.get_data(as_text=True)
    after = pharmacy.state(rx)
    # Showing the page again is a read of the order, audited as one; nothing else moves.
    assert after.pop("audit_events") == before.pop("audit_events") + 1
    assert after == before


def test_a_pharmacist_rejects_and_cancels_with_reasons(desk, accounts, pharmacy):
    held, ready = pharmacy.held(), pharmacy.ready()
    station = desk(accounts["pharmacist"])
    assert station.post(f"/orders/{held}/reject", {"reason": REASON}).status_code == 303
    assert station.post(f"/orders/{ready}/cancel", {"reason": REASON}).status_code == 303
    assert pharmacy.status(held) == Status.REJECTED
    assert pharmacy.status(ready) == Status.CANCELLED


def test_a_compounding_entry_that_breaks_a_rule_is_shown_again_and_not_saved(
    desk, accounts, pharmacy
):
    rx = pharmacy.ready()
    station = desk(accounts["technician"])
    before = pharmacy.state(rx)
    form = pharmacy.compounding_form(rx, capsule_weight=["224.8", "lots", "", ""])
    form["amount"][0] = "-3"
    response = station.post(f"/orders/{rx}/compounding", form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "must be more than 0" in page and "must be a number" in page
    assert 'value="lots"' in page  # what was typed is kept
    after = pharmacy.state(rx)
    assert after.pop("audit_events") == before.pop("audit_events") + 1  # the page view
    assert after == before


def test_an_oral_liquid_is_recorded_with_its_final_volume(desk, accounts, pharmacy):
    rx = pharmacy.ready(liquid=True)
    station = desk(accounts["technician"])
    page = station.get(f"/orders/{rx}").get_data(as_text=True)
    assert 'id="final_volume_ml"' in page and 'name="capsule_weight"' not in page
    form = pharmacy.compounding_form(rx, deviations="Vehicle lot changed: the planned one ran out.")
    assert station.post(f"/orders/{rx}/compounding", form).status_code == 303
    assert pharmacy.status(rx) == Status.COMPOUNDED
    shown = station.get(f"/orders/{rx}").get_data(as_text=True)
    assert "volume check passed" in shown and "Vehicle lot changed" in shown


def test_the_pharmacist_who_compounded_may_not_verify(desk, accounts, pharmacy):
    rx = pharmacy.compounded(by="pharmacist")
    station = desk(accounts["pharmacist"])
    page = station.get(f"/orders/{rx}").get_data(as_text=True)
    assert f"/orders/{rx}/verify" not in page
    assert "another pharmacist verifies it" in page
    before = pharmacy.state(rx)
    response = station.post(f"/orders/{rx}/verify")
    assert response.status_code == 403
    assert "may not also verify" in response.get_data(as_text=True)
    assert pharmacy.state(rx) == before
    assert desk(accounts["pharmacist2"]).post(f"/orders/{rx}/verify").status_code == 303


# --- refusals by role ------------------------------------------------------------------------

ROLE_REFUSALS = [
    (action, role)
    for action in STAFF_ACTIONS
    for role in ROLES
    if action.value not in ROLE_ACTIONS[role]
]
ALLOWED_FROM = {
    Action.OVERRIDE: Status.ON_HOLD,
    Action.REJECT: Status.ON_HOLD,
    Action.RECORD_COMPOUNDING: Status.READY,
    Action.VERIFY: Status.COMPOUNDED,
    Action.DISPENSE: Status.VERIFIED,
    Action.SHIP: Status.VERIFIED,
    Action.CANCEL: Status.READY,
    Action.REFILL: Status.DISPENSED,
    Action.ASK_PRESCRIBER: Status.READY,
    Action.SPLIT: Status.ON_HOLD,
}


def test_the_matrix_is_the_one_the_pharmacy_agreed():
    assert {role: sorted(actions) for role, actions in ROLE_ACTIONS.items()} == {
        "technician": ["dispense", "record_compounding", "refill", "ship"],
        "pharmacist": sorted(a.value for a in STAFF_ACTIONS),
        "admin": ["cancel"],
    }


@pytest.mark.parametrize(("action", "role"), ROLE_REFUSALS, ids=lambda v: str(v))
def test_an_action_the_role_may_not_take_is_refused_403_and_changes_nothing(
    desk, accounts, pharmacy, orders, action, role
):
    rx = orders[ALLOWED_FROM[action]]  # a state the action starts from: only the role is wrong
    station = desk(accounts[ACCOUNT_FOR_ROLE[role]])
    before = pharmacy.state(rx)
    response = station.post(f"/orders/{rx}/{ROUTES[action]}", form_for(action, pharmacy, rx))
    assert response.status_code == 403
    assert "role" in response.get_data(as_text=True)
    assert pharmacy.state(rx) == before


# --- refusals by state -----------------------------------------------------------------------

# A refill's refusals are the contract's, in its own words (tests/dashboard/test_refills.py).
STATE_REFUSALS = [
    (action, status)
    for action in STAFF_ACTIONS
    for status in Status
    if status not in ACTION_STATES[action] and action is not Action.REFILL
]


@pytest.mark.parametrize(("action", "status"), STATE_REFUSALS, ids=lambda v: str(v))
def test_an_action_the_state_does_not_allow_is_refused_409_and_changes_nothing(
    desk, accounts, pharmacy, orders, action, status
):
    rx = orders[status]
    station = desk(accounts["pharmacist"])  # the role that may take every action
    before = pharmacy.state(rx)
    response = station.post(f"/orders/{rx}/{ROUTES[action]}", form_for(action, pharmacy, rx))
    assert response.status_code == 409, response.get_data(as_text=True)
    assert f"Rx {rx} is {status.value.replace('_', ' ')}" in response.get_data(as_text=True)
    assert pharmacy.state(rx) == before


def test_an_order_past_its_beyond_use_date_is_refused_at_the_counter(app, desk, accounts, pharmacy):
    rx = pharmacy.verified()
    yesterday = pharmacy.today - timedelta(days=1)
    with app.app_context():
        database.session.execute(
            update(Prescription).where(Prescription.id == rx).values(beyond_use_date=yesterday)
        )
        database.session.commit()
    counter = desk(accounts["technician"])  # signing in is audited too
    before = pharmacy.state(rx)
    response = counter.post(f"/orders/{rx}/dispense")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert f"to be used by {yesterday.isoformat()}: it may not be dispensed" in page
    assert pharmacy.state(rx) == before


def test_the_page_offers_only_what_the_role_may_do_in_that_state(desk, accounts, orders):
    cases = {
        ("technician", Status.READY): {"compounding", "label", "receipt"},
        ("technician", Status.VERIFIED): {"dispense", "ship", "label", "receipt"},
        ("technician", Status.ON_HOLD): set(),
        ("pharmacist", Status.ON_HOLD): {"override", "reject", "cancel"},
        ("pharmacist", Status.COMPOUNDED): {"verify", "cancel", "label", "receipt"},
        ("admin", Status.READY): {"cancel"},
        ("admin", Status.DISPENSED): set(),
        ("pharmacist", Status.DISPENSED): {"label", "receipt"},
        ("technician", Status.SHIPPED): {"label", "receipt", "packing-slip"},
        ("admin", Status.SHIPPED): set(),
    }
    every = {
        "override",
        "reject",
        "compounding",
        "verify",
        "dispense",
        "ship",
        "cancel",
        "label",
        "receipt",
        "packing-slip",
    }
    for (role, status), offered in cases.items():
        rx = orders[status]
        page = desk(accounts[role]).get(f"/orders/{rx}").get_data(as_text=True)
        shown = {name for name in every if f'action="/orders/{rx}/{name}"' in page}
        assert shown == offered, (role, status, shown)


# --- printing --------------------------------------------------------------------------------


@pytest.mark.parametrize("document", ["label", "receipt"])
def test_an_admin_may_not_print(desk, accounts, orders, pharmacy, document):
    rx = orders[Status.VERIFIED]
    station = desk(accounts["admin"])
    before = pharmacy.state(rx)
    assert station.post(f"/orders/{rx}/{document}").status_code == 403
    assert pharmacy.state(rx) == before


@pytest.mark.parametrize(
    "status", [Status.RECEIVED, Status.ON_HOLD, Status.REJECTED, Status.CANCELLED]
)
@pytest.mark.parametrize("document", ["label", "receipt"])
def test_an_order_not_worked_held_or_closed_unfilled_is_not_printed(
    desk, accounts, orders, pharmacy, status, document
):
    rx = orders[status]
    station = desk(accounts["pharmacist"])
    before = pharmacy.state(rx)
    response = station.post(f"/orders/{rx}/{document}")
    assert response.status_code == 409
    assert "cannot be printed" in response.get_data(as_text=True)
    assert pharmacy.state(rx) == before


# --- not found -------------------------------------------------------------------------------


@pytest.mark.parametrize("route", [*ROUTES.values(), "label", "receipt"])
def test_an_unknown_rx_number_is_404(desk, accounts, route):
    response = desk(accounts["pharmacist"]).post(f"/orders/999/{route}", {"reason": REASON})
    assert response.status_code == 404


def test_an_unknown_order_page_is_404(desk, accounts):
    assert desk(accounts["pharmacist"]).get("/orders/999").status_code == 404
    assert desk(accounts["pharmacist"]).get("/orders/99999999999").status_code == 404


def test_a_failed_capsule_weight_check_is_flagged_when_recorded_and_in_the_queue(
    desk, accounts, pharmacy
):
    rx = pharmacy.ready()
    technician = desk(accounts["technician"])
    heavy = ["300.0", "301.0", "299.5", "300.2", "300.8"]  # far above the fill weight
    response = technician.post(
        f"/orders/{rx}/compounding", pharmacy.compounding_form(rx, capsule_weight=heavy)
    )
    assert response.status_code == 303
    shown = technician.get(f"/orders/{rx}").get_data(as_text=True)
    assert "Write a deviation note" in shown  # said at the bench, not first at verification
    queue = technician.get(f"/?q={rx}&view=all").get_data(as_text=True)
    assert "QC failed" in queue


def test_a_print_is_audited_with_the_request_that_asked_for_it(desk, accounts, pharmacy):
    rx = pharmacy.verified()
    pharmacist = desk(accounts["pharmacist"])
    for what in ("label", "receipt"):
        response = pharmacist.post(f"/orders/{rx}/{what}")
        assert response.status_code == 200
        event = [e for e in pharmacy.audit(rx) if e.action == f"{what}.printed"][-1]
        assert event.request_id == response.headers["X-Request-ID"]
