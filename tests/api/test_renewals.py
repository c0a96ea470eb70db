"""Automatic refills and renewals as a clinic sees them through the API, on each
database: `auto_refill` and `renews` on a new prescription, and
`POST /api/v1/prescriptions/{id}/renewal` to decline.

The pharmacy's side (a fill dispensed, beat's round asking for the renewal) is taken
by the services, in the same app the clinic calls. Beat's round looks at every
prescription, so this module has a pharmacy of its own.
"""

from __future__ import annotations

import uuid

import pytest

from tests.support.clinics import make_clinic
from tests.support.databases import app_of_its_own, row_counts
from tests.support.orders import Orders
from tests.support.renewals import (
    answer,
    dispensed_days_ago,
    events,
    order,
    order_body,
    renewal_request,
    request_due,
    sent,
    shown,
    uid_of,
)
from tests.support.staff import created_staff

DECLINED = "Patient stopped LDN: headaches"


@pytest.fixture(scope="module")
def app(database_kind, tmp_path_factory):
    with app_of_its_own(database_kind, tmp_path_factory.mktemp("api-renewals")) as app:
        yield app


@pytest.fixture(scope="module")
def orders(app) -> Orders:
    return Orders(app, created_staff(app), patients="Apirenewal")


def asked(orders: Orders, last_name: str) -> int:
    """A prescription whose last fill (of none refill) is dispensed, and the pharmacy's
    request to renew it made."""
    rx = dispensed_days_ago(orders, 20, refills=0, last_name=last_name)
    assert rx in request_due(orders)
    return rx


# --- auto_refill -------------------------------------------------------------------------


def test_auto_refill_is_taken_and_shown(orders):
    created = sent(orders, order_body(orders, auto_refill=True, refills=2))
    assert created["auto_refill"] is True
    assert shown(orders, created["id"])["auto_refill"] is True
    plain = sent(orders, order_body(orders))
    assert plain["auto_refill"] is False
    assert shown(orders, plain["id"])["auto_refill"] is False


@pytest.mark.parametrize("value", ["true", 1, None])
def test_auto_refill_is_true_or_false(orders, value):
    response = orders.client.post(
        "/api/v1/prescriptions",
        json=order_body(orders, auto_refill=value),
        headers=orders.clinic.headers,
    )
    assert response.status_code == 422
    assert [d["field"] for d in response.get_json()["details"]] == ["auto_refill"]


# --- renewing ----------------------------------------------------------------------------


def test_a_renewal_round_trip(orders):
    old = asked(orders, "Apirenewal-round")
    old_id = uid_of(orders, old)
    assert renewal_request(orders, old)["state"] == "requested"

    body = order_body(orders, last_name="Apirenewal-round", renews=old_id, refills=2)
    created = sent(orders, body)

    assert created["renews"] == old_id
    assert created["status"] == "received"
    new_id = created["id"]
    assert shown(orders, new_id)["renews"] == old_id
    assert shown(orders, old_id)["renews"] is None
    request = renewal_request(orders, old)
    assert request["state"] == "renewed" and request["answered"]
    assert request["renewed_by"] == int(created["rx_number"])
    [renewed] = events(orders, old, "prescription.renewed")
    assert renewed.detail["renewed_by"] == created["rx_number"]
    # Answered: it cannot be declined any more.
    refused = answer(orders, old, {"approved": False, "reason": DECLINED})
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "already_renewed"


def test_a_renewal_with_auto_refill_keeps_both(orders):
    old = asked(orders, "Apirenewal-both")
    body = order_body(
        orders, last_name="Apirenewal-both", renews=uid_of(orders, old), auto_refill=True
    )
    created = sent(orders, body)
    again = shown(orders, created["id"])
    assert (again["renews"], again["auto_refill"]) == (uid_of(orders, old), True)
    assert again["updated_at"] == created["updated_at"] == created["created_at"]


def test_another_clinics_prescription_cannot_be_renewed(orders, app):
    elsewhere = make_clinic(app)
    theirs = sent(orders, order_body(orders, last_name="Apirenewal-theirs"), clinic=elsewhere)
    before = row_counts(app)
    body = order_body(orders, last_name="Apirenewal-theirs", renews=theirs["id"])
    response = orders.client.post("/api/v1/prescriptions", json=body, headers=orders.clinic.headers)
    assert response.status_code == 422
    assert [d["field"] for d in response.get_json()["details"]] == ["renews"]
    assert row_counts(app) == before  # nothing written


@pytest.mark.parametrize("renews", [str(uuid.uuid4()), "1000001", 1000001])
def test_renews_must_name_one_of_the_clinics_prescriptions(orders, renews):
    response = orders.client.post(
        "/api/v1/prescriptions",
        json=order_body(orders, renews=renews),
        headers=orders.clinic.headers,
    )
    assert response.status_code == 422
    assert [d["field"] for d in response.get_json()["details"]] == ["renews"]


def test_a_renewal_is_for_the_same_patient(orders, app):
    old = asked(orders, "Apirenewal-patient")
    body = order_body(orders, last_name="Apirenewal-someone-else", renews=uid_of(orders, old))
    before = row_counts(app)
    response = orders.client.post("/api/v1/prescriptions", json=body, headers=orders.clinic.headers)
    assert response.status_code == 422
    [detail] = response.get_json()["details"]
    assert detail["field"] == "renews" and "another patient" in detail["message"]
    assert renewal_request(orders, old)["state"] == "requested"
    assert row_counts(app) == before  # not the order, nor its new patient


# --- declining ---------------------------------------------------------------------------


def test_a_decline_is_recorded_and_audited(orders):
    rx = asked(orders, "Apirenewal-decline")
    response = answer(orders, rx, {"approved": False, "reason": DECLINED})
    assert response.status_code == 200
    declined = response.get_json()
    assert declined["prescription"] == uid_of(orders, rx)
    assert (declined["state"], declined["reason"]) == ("declined", "no_refills_left")
    assert declined["decline_reason"] == DECLINED
    assert declined["answered_at"] is not None and declined["renewed_by"] is None
    assert renewal_request(orders, rx)["state"] == "declined"
    [event] = events(orders, rx, "prescription.renewal_declined")
    assert event.detail["reason"] == DECLINED and event.actor_type == "clinic"

    again = answer(orders, rx, {"approved": False, "reason": "sent twice"})
    assert again.status_code == 200
    assert again.get_json() == declined  # a retry changes nothing
    assert len(events(orders, rx, "prescription.renewal_declined")) == 1


def test_declining_what_was_never_asked_about_is_a_conflict(orders):
    rx = order(orders, refills=2)
    response = answer(orders, rx, {"approved": False, "reason": DECLINED})
    assert response.status_code == 409
    assert response.get_json()["error"] == "no_renewal_requested"
    assert renewal_request(orders, rx) is None


def test_approving_is_done_by_sending_the_renewing_prescription(orders):
    rx = asked(orders, "Apirenewal-approve")
    response = answer(orders, rx, {"approved": True})
    assert response.status_code == 422
    [detail] = response.get_json()["details"]
    assert detail["field"] == "approved" and '"renews"' in detail["message"]
    assert renewal_request(orders, rx)["state"] == "requested"


def test_another_clinic_cannot_decline(orders, app):
    rx = asked(orders, "Apirenewal-other")
    response = answer(orders, rx, {"approved": False}, clinic=make_clinic(app))
    assert response.status_code == 404
    assert renewal_request(orders, rx)["state"] == "requested"


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "approved"), ({"approved": "no"}, "approved"), ({"approved": False, "x": 1}, "x")],
)
def test_a_decline_body_is_checked(orders, body, field):
    rx = order(orders)
    response = answer(orders, rx, body)
    assert response.status_code == 422
    assert [d["field"] for d in response.get_json()["details"]] == [field]
