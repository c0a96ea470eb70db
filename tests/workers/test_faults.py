"""Queued work is never lost: not when Redis loses its queue, not when a worker dies."""

import time

import redis
from sqlalchemy import func, select

from pharmacy.extensions import database
from pharmacy.models import AuditEvent, OutboxMessage, Prescription, StatusChange, Worksheet
from pharmacy.queue import BROKER_MARKER
from tests.support.orders import new_patient
from tests.support.waiting import wait_for


def statuses(pharmacy, rx_numbers: list[int]) -> dict[str, int]:
    with pharmacy.session():
        rows = database.session.execute(
            select(Prescription.status, func.count())
            .where(Prescription.id.in_(rx_numbers))
            .group_by(Prescription.status)
        ).all()
    return dict(rows)


def assert_each_worked_exactly_once(pharmacy, rx_numbers: list[int]) -> None:
    with pharmacy.session():
        session = database.session

        def per_order(query):
            return dict(session.execute(query).all())

        worksheets = per_order(
            select(Worksheet.prescription_id, func.count())
            .where(Worksheet.prescription_id.in_(rx_numbers))
            .group_by(Worksheet.prescription_id)
        )
        moves = per_order(
            select(StatusChange.prescription_id, func.count())
            .where(StatusChange.prescription_id.in_(rx_numbers), StatusChange.to_status == "ready")
            .group_by(StatusChange.prescription_id)
        )
        events = per_order(
            select(AuditEvent.prescription_id, func.count())
            .where(
                AuditEvent.prescription_id.in_(rx_numbers),
                AuditEvent.action == "prescription.worked",
            )
            .group_by(AuditEvent.prescription_id)
        )
    for counts in (worksheets, moves, events):
        assert counts == dict.fromkeys(rx_numbers, 1)


def submit_many(pharmacy, body, count: int) -> list[int]:
    return [int(pharmacy.submit(new_patient(body))["rx_number"]) for _ in range(count)]


def test_orders_survive_redis_losing_its_queue(pharmacy_on, own_redis, prescription):
    pharmacy = pharmacy_on(own_redis.url)
    rx_numbers = submit_many(pharmacy, prescription, 200)  # no worker yet: all queued
    assert statuses(pharmacy, rx_numbers) == {"received": 200}

    redis.Redis(port=own_redis.port).flushall()  # the broker loses everything it held
    own_redis.stop()
    own_redis.start()  # and comes back empty
    pharmacy.beat()
    pharmacy.worker()
    wait_for(lambda: statuses(pharmacy, rx_numbers) == {"ready": 200}, 180, "200 orders ready")
    assert_each_worked_exactly_once(pharmacy, rx_numbers)


def test_orders_survive_a_worker_killed_mid_batch(pharmacy_on, machine_redis, prescription):
    pharmacy = pharmacy_on(machine_redis)
    # Enough that the work outlasts a look at it: workers take waiting orders in batches.
    rx_numbers = submit_many(pharmacy, prescription, 400)
    pharmacy.beat()
    doomed = pharmacy.worker(concurrency=2)
    wait_for(lambda: statuses(pharmacy, rx_numbers).get("ready", 0) >= 10, 60, "work to start")
    doomed.kill()  # SIGKILL to the worker and its pool: tasks in hand die with them
    left = statuses(pharmacy, rx_numbers).get("received", 0)
    assert left > 0, "the worker was killed mid-batch"
    time.sleep(1)
    pharmacy.worker(concurrency=2)
    wait_for(lambda: statuses(pharmacy, rx_numbers) == {"ready": 400}, 180, "400 orders ready")
    assert_each_worked_exactly_once(pharmacy, rx_numbers)


def test_a_broker_that_lost_its_queue_is_noticed_at_once_not_after_the_timer(
    pharmacy_on, own_redis, prescription
):
    pharmacy = pharmacy_on(own_redis.url)
    # The production timer: a message sent and not worked is sent again after 300 s.
    pharmacy.env["OUTBOX_REDELIVER_AFTER_S"] = "300"
    broker = redis.Redis(port=own_redis.port)
    pharmacy.beat()
    first = pharmacy.worker()
    wait_for(lambda: broker.exists(BROKER_MARKER), 30, "a sweep to mark the broker")
    first.stop()
    rx_numbers = submit_many(pharmacy, prescription, 60)  # queued, no worker
    broker.flushall()  # the queue and the marker are gone
    pharmacy.worker()
    # Far sooner than the 300 s timer: the sweep finds the marker gone and sends again.
    wait_for(lambda: statuses(pharmacy, rx_numbers) == {"ready": 60}, 90, "60 orders ready")
    assert_each_worked_exactly_once(pharmacy, rx_numbers)
    with pharmacy.session():
        attempts = database.session.scalars(
            select(OutboxMessage.attempts).where(
                OutboxMessage.topic == "prescription.received",
            )
        ).all()
    assert max(attempts) <= 2  # sent once more after the loss, not again and again
