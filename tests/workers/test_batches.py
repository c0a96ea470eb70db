"""Orders waiting in the queue are worked in batches by real workers: each exactly once,
each with what it would get alone, and an order that cannot be worked held without
stopping the others."""

import redis
from sqlalchemy import func, select

from pharmacy.extensions import database
from pharmacy.models import Alert, AuditEvent, OutboxMessage, Prescription, StatusChange, Worksheet
from tests.support.orders import new_patient
from tests.support.waiting import wait_for

OPIOID = ["oxyCODONE 5 mg every 6 hours as needed"]


def per_order(session, model, rx_numbers, *where) -> dict[int, int]:
    return dict(
        session.execute(
            select(model.prescription_id, func.count())
            .where(model.prescription_id.in_(rx_numbers), *where)
            .group_by(model.prescription_id)
        ).all()
    )


def worked_once(pharmacy, rx_numbers: list[int]) -> dict[int, str]:
    """Each order's status, having checked it was worked exactly once; and that its
    outbox message is done."""
    with pharmacy.session():
        session = database.session
        statuses = dict(
            session.execute(
                select(Prescription.id, Prescription.status).where(Prescription.id.in_(rx_numbers))
            ).all()
        )
        moves = per_order(session, StatusChange, rx_numbers, StatusChange.from_status == "received")
        events = per_order(
            session, AuditEvent, rx_numbers, AuditEvent.action == "prescription.worked"
        )
        waiting = [
            payload["prescription_id"]
            for (payload,) in session.execute(
                select(OutboxMessage.payload).where(OutboxMessage.processed_at.is_(None))
            )
        ]
    assert moves == dict.fromkeys(rx_numbers, 1)
    assert events == dict.fromkeys(rx_numbers, 1)
    assert not set(waiting) & set(rx_numbers)
    return statuses


def nothing_received(pharmacy, rx_numbers: list[int]) -> bool:
    with pharmacy.session():
        return not database.session.scalar(
            select(func.count()).where(
                Prescription.id.in_(rx_numbers), Prescription.status == "received"
            )
        )


def queue_empty(broker_url: str) -> bool:
    """Every task delivered and acknowledged, the no-op ones for orders taken along too."""
    broker = redis.Redis.from_url(broker_url)
    try:
        return broker.llen("celery") == 0 and broker.hlen("unacked") == 0
    finally:
        broker.close()


def test_orders_waiting_in_the_queue_are_worked_in_batches_each_once(
    pharmacy_on, machine_redis, prescription
):
    pharmacy = pharmacy_on(machine_redis)
    bodies = [new_patient(prescription) for _ in range(80)]
    bodies[37] = new_patient(prescription, medications=OPIOID)
    rx_numbers = [int(pharmacy.submit(body)["rx_number"]) for body in bodies]
    pharmacy.worker()
    wait_for(lambda: nothing_received(pharmacy, rx_numbers), 60, "80 orders worked")
    wait_for(lambda: queue_empty(machine_redis), 60, "every task done")

    statuses = worked_once(pharmacy, rx_numbers)
    assert [rx for rx, status in statuses.items() if status != "ready"] == [rx_numbers[37]]
    assert statuses[rx_numbers[37]] == "on_hold"
    with pharmacy.session():
        session = database.session
        assert per_order(session, Worksheet, rx_numbers) == dict.fromkeys(rx_numbers, 1)
        assert set(per_order(session, Alert, rx_numbers)) == {rx_numbers[37]}
        moments = session.scalars(
            select(func.count(func.distinct(StatusChange.at))).where(
                StatusChange.prescription_id.in_(rx_numbers), StatusChange.from_status == "received"
            )
        ).one()
    assert moments < len(rx_numbers) / 4, "orders waiting together were worked together"


def test_an_order_that_cannot_be_worked_is_held_and_its_batch_becomes_ready(
    pharmacy_on, machine_redis, prescription
):
    pharmacy = pharmacy_on(machine_redis)
    rx_numbers = [int(pharmacy.submit(new_patient(prescription))["rx_number"]) for _ in range(12)]
    poisoned = rx_numbers[5]
    with pharmacy.session():
        # The stored order lost a part the rules read: its worksheet cannot be computed.
        order = database.session.get(Prescription, poisoned)
        order.as_sent = {k: v for k, v in order.as_sent.items() if k != "prescriber"}
        database.session.commit()
    pharmacy.worker()
    wait_for(lambda: nothing_received(pharmacy, rx_numbers), 60, "12 orders worked")
    wait_for(lambda: queue_empty(machine_redis), 60, "every task done")

    statuses = worked_once(pharmacy, rx_numbers)
    assert statuses == {rx: "on_hold" if rx == poisoned else "ready" for rx in rx_numbers}
    with pharmacy.session():
        alerts = database.session.execute(
            select(Alert.prescription_id, Alert.code, Alert.severity).where(
                Alert.prescription_id.in_(rx_numbers)
            )
        ).all()
    assert alerts == [(poisoned, "processing_failed", "hard_stop")]
