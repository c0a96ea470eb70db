"""A worker that loses its database retries with backoff, and works the order once the
database is back."""

import time

from tests.support.network import TcpRelay
from tests.support.orders import new_patient
from tests.support.workers import worked


def test_a_worker_that_loses_its_database_retries_until_it_is_back(
    pharmacy_on, machine_redis, prescription, worker_database
):
    relay = TcpRelay(5432)
    pharmacy = pharmacy_on(machine_redis)
    # The worker reaches PostgreSQL only through the relay, which is down at first.
    pharmacy.worker(database_url=worker_database.replace(":5432/", f":{relay.port}/"))
    created = pharmacy.submit(new_patient(prescription))
    time.sleep(3)  # the task has failed at least once by now
    assert pharmacy.show(created["id"])["status"] == "received"
    relay.start()
    try:
        assert worked(pharmacy, created["id"])["status"] == "ready"
    finally:
        relay.cut()
