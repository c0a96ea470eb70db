"""What a clinic reads back through /fhir/r4, on each database: the MedicationRequest's
status for the order in every state the pharmacy brings it to, and one
MedicationDispense per dispensed fill. The orders are brought to their states by the
pharmacy's own moves (`tests.support.orders.Orders`)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest
from fhir.resources.R4B import get_fhir_model_class

from pharmacy.api.fhir.resources import fhir_status
from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.services.reads import clinic_orders
from tests.support import fhir
from tests.support.orders import Orders
from tests.support.staff import created_staff

FHIR_STATUSES = {"active", "on-hold", "completed", "cancelled", "stopped"}


@pytest.fixture(scope="module")
def orders(app) -> Orders:
    return Orders(app, created_staff(app), patients="Fhirreader")


def read(orders: Orders, rx: int) -> dict:
    """The order as GET /fhir/r4/MedicationRequest/{id} shows it, checked as FHIR R4."""
    response = orders.client.get(
        f"{fhir.MEDICATION_REQUESTS}/{orders.shown(rx)['id']}", headers=orders.clinic.headers
    )
    assert response.status_code == 200
    resource = response.get_json()
    get_fhir_model_class("MedicationRequest").model_validate(resource)
    return resource


def dispenses(orders: Orders, rx: int) -> list[dict]:
    """GET /fhir/r4/MedicationDispense?prescription=MedicationRequest/{id}: its resources."""
    prescription = f"MedicationRequest/{orders.shown(rx)['id']}"
    response = orders.client.get(
        f"{fhir.DISPENSES}?prescription={prescription}", headers=orders.clinic.headers
    )
    assert response.status_code == 200
    bundle = response.get_json()
    get_fhir_model_class("Bundle").model_validate(bundle)
    assert bundle["type"] == "searchset"
    assert bundle["total"] == len(bundle.get("entry", []))
    return [entry["resource"] for entry in bundle.get("entry", [])]


@pytest.mark.parametrize(
    ("state", "status"),
    [
        (Status.RECEIVED, "active"),
        (Status.READY, "active"),
        (Status.ON_HOLD, "on-hold"),
        (Status.COMPOUNDED, "active"),
        (Status.VERIFIED, "active"),
        (Status.DISPENSED, "active"),  # two refills left
        (Status.REJECTED, "cancelled"),
        (Status.CANCELLED, "cancelled"),
    ],
)
def test_the_status_of_an_order_in_each_state(orders, state, status):
    resource = read(orders, orders.in_state(state))
    assert resource["status"] == status
    assert resource["statusReason"]["coding"][0]["code"] == state.value


def test_dispensed_with_no_refills_left_is_completed(orders):
    rx = orders.dispensed(orders.ready(refills=0))
    assert read(orders, rx)["status"] == "completed"


def test_dispensed_and_expired_is_completed(orders):
    rx = orders.dispensed(orders.ready())
    orders.days_pass(rx, 400)
    assert read(orders, rx)["status"] == "completed"


def test_a_rejected_refill_stopped_the_prescription(orders):
    rx = orders.refilled(orders.dispensed(orders.ready()))
    orders.call("reject", "pharmacist", rx, orders.reason)
    assert read(orders, rx)["status"] == "stopped"


def test_a_cancelled_refill_leaves_it_active(orders):
    rx = orders.refilled(orders.dispensed(orders.ready()))
    orders.call("cancel", "pharmacist", rx, orders.reason)
    resource = read(orders, rx)
    assert resource["status"] == "active"
    assert resource["statusReason"]["coding"][0]["code"] == "cancelled"


def test_every_pharmacy_status_has_one_of_the_five(app, orders):
    """Including a question to the prescriber (awaiting_prescriber): on hold."""
    rx = orders.ready()
    with app.app_context():
        uid = uuid.UUID(orders.shown(rx)["id"])
        order = clinic_orders.for_clinic(database.session, orders.clinic.id, uid)
    statuses = {status.value for status in Status} | {"awaiting_prescriber"}
    shown = {s: fhir_status(dataclasses.replace(order, status=s), orders.today) for s in statuses}
    assert set(shown.values()) <= FHIR_STATUSES
    assert shown["awaiting_prescriber"] == "on-hold"


def test_one_dispense_per_dispensed_fill(orders):
    rx = orders.ready(refills=2)
    assert dispenses(orders, rx) == []
    orders.dispensed(rx)
    (first,) = dispenses(orders, rx)
    prescription = orders.shown(rx)
    assert first["status"] == "completed"
    assert first["authorizingPrescription"] == [
        {"reference": f"MedicationRequest/{prescription['id']}"}
    ]
    assert first["quantity"] == {
        "value": 30,
        "unit": "capsule",
        "system": fhir.UCUM,
        "code": "{capsule}",
    }
    assert first["daysSupply"]["value"] == 30
    assert first["whenHandedOver"] == orders.today.isoformat()
    assert first["type"]["coding"][0]["code"] == "FF"
    assert first["note"] == [
        {"text": f"Beyond-use date {prescription['fills'][0]['beyond_use_date']}"}
    ]

    orders.refilled(rx)
    assert len(dispenses(orders, rx)) == 1  # the refill is not dispensed yet
    orders.dispensed(rx)
    _, refill = dispenses(orders, rx)
    assert refill["type"]["coding"][0]["code"] == "RF"
    assert refill["type"]["text"] == "Refill 1 of 2"
    assert refill["whenHandedOver"] == orders.today.isoformat()

    # Each one reads back by its id.
    response = orders.client.get(f"{fhir.DISPENSES}/{refill['id']}", headers=orders.clinic.headers)
    assert response.status_code == 200
    assert response.get_json() == refill


def test_a_dispense_is_only_the_clinics_own(orders, other_clinic):
    rx = orders.dispensed(orders.ready())
    (dispense,) = dispenses(orders, rx)
    response = orders.client.get(f"{fhir.DISPENSES}/{dispense['id']}", headers=other_clinic.headers)
    assert response.status_code == 404


def test_a_search_names_its_prescription(orders):
    response = orders.client.get(fhir.DISPENSES, headers=orders.clinic.headers)
    assert response.status_code == 400
    assert response.get_json()["issue"][0]["code"] == "required"


def test_the_dispensed_day_is_the_counters(orders):
    rx = orders.dispensed(orders.ready())
    orders.days_pass(rx, 3)
    (dispense,) = dispenses(orders, rx)
    assert dispense["whenHandedOver"] == (orders.today - timedelta(days=3)).isoformat()
