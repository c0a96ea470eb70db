"""Submit through the API, let a real worker on real Redis work it, read it back."""

from decimal import Decimal

from sqlalchemy import func, select

from pharmacy.extensions import database
from pharmacy.models import Alert, Worksheet
from tests.support.databases import stock
from tests.support.orders import new_patient
from tests.support.workers import Pharmacy, worked


def test_a_submitted_order_becomes_ready_with_quantity_bud_and_price(
    pharmacy_on, machine_redis, prescription, today
):
    pharmacy = pharmacy_on(machine_redis)
    pharmacy.worker()
    order = worked(pharmacy, pharmacy.submit(new_patient(prescription))["id"])
    assert order["status"] == "ready"
    assert order["quantity"] == {"value": "30", "unit": "capsule"}
    assert order["beyond_use_date"] > today.isoformat()
    total = Decimal(order["price"]["total"])
    assert Decimal("16") <= total <= Decimal("45")
    assert sum(Decimal(line["amount"]) for line in order["price"]["lines"]) == total
    assert order["alerts"] == []


def test_a_patient_on_oxycodone_is_held_with_the_opioid_alert(
    pharmacy_on, machine_redis, prescription
):
    pharmacy = pharmacy_on(machine_redis)
    pharmacy.worker()
    body = new_patient(prescription, medications=["oxyCODONE 5 mg every 6 hours as needed"])
    order = worked(pharmacy, pharmacy.submit(body)["id"])
    assert order["status"] == "on_hold"
    [alert] = [a for a in order["alerts"] if a["code"] == "opioid_interaction"]
    assert alert["severity"] == "hard_stop"
    assert "oxyCODONE" in alert["detail"]


def test_an_order_delivered_twice_is_worked_once(pharmacy_on, machine_redis, prescription):
    pharmacy = pharmacy_on(machine_redis)
    created = pharmacy.submit(new_patient(prescription))
    rx_number = int(created["rx_number"])
    celery = pharmacy.app.extensions["queue"]
    for _ in range(3):  # the same work, sent again as a broker or the sweep might
        celery.send_task("workers.tasks.work_prescription", kwargs={"prescription_id": rx_number})
    pharmacy.worker()
    assert worked(pharmacy, created["id"])["status"] == "ready"
    with pharmacy.session():
        session = database.session
        assert (
            session.scalar(
                select(func.count())
                .select_from(Worksheet)
                .where(Worksheet.prescription_id == rx_number)
            )
            == 1
        )
        assert (
            session.scalar(
                select(func.count()).select_from(Alert).where(Alert.prescription_id == rx_number)
            )
            == 0
        )


def test_the_embedded_default_works_orders_without_any_server(tmp_path, prescription):
    """SQLite and the broker kept in a SQLite file: what `bin/demo` runs."""
    url = f"sqlite:///{tmp_path / 'pharmacy.sqlite'}"
    stock(url)
    pharmacy = Pharmacy(url, f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}", tmp_path)
    try:
        pharmacy.worker(concurrency=1)
        order = worked(pharmacy, pharmacy.submit(new_patient(prescription))["id"])
        assert order["status"] == "ready"
        assert order["price"] is not None
    finally:
        pharmacy.close()
