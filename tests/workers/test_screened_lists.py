"""An order is screened on the lists sent with it, whatever a later order says, and a
patient is known again however the clinic types the name: real worker, PostgreSQL."""

import uuid

from sqlalchemy import func, select

from pharmacy.extensions import database
from pharmacy.models import Patient
from tests.support.orders import for_patient
from tests.support.workers import worked


def codes(order: dict) -> set[str]:
    return {alert["code"] for alert in order["alerts"]}


def test_a_later_order_without_a_list_does_not_take_the_first_orders_opioid_alert(
    pharmacy_on, machine_redis, prescription
):
    pharmacy = pharmacy_on(machine_redis)
    name = f"Race-{uuid.uuid4().hex[:8]}"
    # Both arrive before any worker runs: the second rewrote the patient's record
    # before the first was screened, which is how the alert used to be lost.
    first = pharmacy.submit(for_patient(prescription, name, medications=["Percocet 5/325"]))
    second = pharmacy.submit(for_patient(prescription, name))
    pharmacy.worker()
    first_order = worked(pharmacy, first["id"])
    second_order = worked(pharmacy, second["id"])

    assert first_order["status"] == "on_hold"
    [opioid] = [a for a in first_order["alerts"] if a["code"] == "opioid_interaction"]
    assert opioid["severity"] == "hard_stop"
    assert "Percocet 5/325" in opioid["detail"] and "oxycodone" in opioid["detail"]
    # The second order sent no list: it is screened on the one on record, not on none.
    assert "opioid_interaction" in codes(second_order)
    assert "duplicate_naltrexone" in codes(second_order)


def test_an_explicit_new_list_replaces_the_record_but_not_an_earlier_orders_list(
    pharmacy_on, machine_redis, prescription
):
    pharmacy = pharmacy_on(machine_redis)
    name = f"Later-{uuid.uuid4().hex[:8]}"
    first = pharmacy.submit(for_patient(prescription, name, medications=["tramadol 50 mg"]))
    second = pharmacy.submit(for_patient(prescription, name, medications=["levothyroxine"]))
    pharmacy.worker()
    assert "opioid_interaction" in codes(worked(pharmacy, first["id"]))
    assert "opioid_interaction" not in codes(worked(pharmacy, second["id"]))


def test_a_patient_typed_another_way_is_the_same_patient_and_duplicate_ldn_is_seen(
    pharmacy_on, machine_redis, prescription
):
    pharmacy = pharmacy_on(machine_redis)
    stem = uuid.uuid4().hex[:8]
    spellings = [f"Dupli{stem}", f"DUPLI{stem.upper()} ", f"dupli{stem}\u200b"]
    orders = [
        pharmacy.submit(for_patient(prescription, last, medications=[])) for last in spellings
    ]
    pharmacy.worker()
    for order in orders[1:]:
        assert "duplicate_naltrexone" in codes(worked(pharmacy, order["id"]))
    with pharmacy.session():
        found = database.session.scalar(
            select(func.count()).select_from(Patient).where(Patient.last_name_key == f"dupli{stem}")
        )
    assert found == 1
