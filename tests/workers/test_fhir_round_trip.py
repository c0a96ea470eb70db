"""A prescription sent as FHIR is worked by a real Celery worker on real Redis and
PostgreSQL, and read back as FHIR: POST a transaction Bundle -> the worker screens and
works it -> GET MedicationRequest shows it active and ready, with its quantity; once the
pharmacy dispenses it, GET MedicationDispense shows the fill. The medications sent as
MedicationStatements are what the worker screens: an opioid puts the order on hold."""

from __future__ import annotations

from pharmacy.domain.workflow import Status
from tests.support import fhir
from tests.support.orders import OPIOID, Orders
from tests.support.staff import created_staff
from tests.support.waiting import wait_for


def sent(orders: Orders, body: dict) -> tuple[str, int]:
    """`body` POSTed as a transaction Bundle: the MedicationRequest's id and Rx number."""
    response = fhir.send(orders.client, orders.clinic, fhir.as_bundle(body))
    assert response.status_code == 201, response.get_json()
    order = response.get_json()["entry"][0]["resource"]
    rx = next(i["value"] for i in order["identifier"] if i["system"].endswith("rx-number"))
    return order["id"], int(rx)


def read(orders: Orders, path: str) -> dict:
    response = orders.client.get(f"{fhir.BASE}/{path}", headers=orders.clinic.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def worked(orders: Orders, rx: int) -> None:
    wait_for(lambda: orders.status(rx) != Status.RECEIVED, 60, f"Rx {rx} to be worked")


def test_a_fhir_titration_is_worked_read_back_and_dispensed(pharmacy_on, machine_redis):
    pharmacy = pharmacy_on(machine_redis)
    pharmacy.worker()
    orders = Orders(pharmacy.app, created_staff(pharmacy.app), patients="Fhirworker")
    body = fhir.for_patient(fhir.titration(orders.today))
    order_id, rx = sent(orders, body)
    worked(orders, rx)

    request = read(orders, f"MedicationRequest/{order_id}")
    assert request["status"] == "active"
    assert request["statusReason"]["coding"][0]["code"] == "ready"
    # 7 days of one capsule, 7 of two, 16 of three.
    assert request["dispenseRequest"]["quantity"]["value"] == 7 + 14 + 48
    assert read(orders, f"MedicationDispense?prescription={order_id}")["total"] == 0

    orders.dispensed(rx)
    request = read(orders, f"MedicationRequest/{order_id}")
    assert request["status"] == "active"  # two refills left
    assert request["statusReason"]["coding"][0]["code"] == "dispensed"
    found = read(orders, f"MedicationDispense?prescription=MedicationRequest/{order_id}")
    (entry,) = found["entry"]
    assert entry["resource"]["quantity"]["value"] == 69
    assert entry["resource"]["whenHandedOver"] == orders.today.isoformat()
    assert entry["resource"]["authorizingPrescription"] == [
        {"reference": f"MedicationRequest/{order_id}"}
    ]


def test_an_opioid_sent_as_a_medication_statement_holds_the_order(pharmacy_on, machine_redis):
    pharmacy = pharmacy_on(machine_redis)
    pharmacy.worker()
    orders = Orders(pharmacy.app, created_staff(pharmacy.app), patients="Fhirworker")
    body = fhir.for_patient(fhir.medication_request(orders.today))
    fhir.part(body, "MedicationStatement")["medicationCodeableConcept"] = {"text": OPIOID}
    order_id, rx = sent(orders, body)
    worked(orders, rx)

    request = read(orders, f"MedicationRequest/{order_id}")
    assert request["status"] == "on-hold"
    assert request["statusReason"]["coding"][0]["code"] == "on_hold"
    assert "opioid_interaction" in [a["code"] for a in orders.shown(rx)["alerts"]]
