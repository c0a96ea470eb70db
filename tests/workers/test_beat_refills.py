"""An automatic refill started by beat's schedule and worked to `ready` by a real Celery
worker on Redis, as the service runs in production: the task of beat's own schedule
entry starts the refill, the outbox sweep (beat) sends its work, the worker works it.
"""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import select

from pharmacy.extensions import database
from pharmacy.models import Fill
from tests.support.orders import Orders
from tests.support.renewals import order
from tests.support.staff import created_staff
from tests.support.waiting import wait_for
from tests.support.workers import ROOT

ENTRY = "refills-and-renewals"
LEAD_DAYS = 7
DAYS_SUPPLY = 30


def beat_schedule(env: dict[str, str]) -> dict[str, dict]:
    """Beat's schedule as the Celery app of `celery -A workers.app:celery_app` has it."""
    program = (
        "import json; from workers.app import celery_app; "
        "print(json.dumps({name: {'task': entry['task'], 'every_s': float(entry['schedule'])} "
        "for name, entry in celery_app.conf.beat_schedule.items()}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", program], env=env, cwd=ROOT, capture_output=True, check=True
    )
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def test_beat_starts_a_due_auto_refill_and_a_worker_makes_it_ready(pharmacy_on, machine_redis):
    pharmacy = pharmacy_on(machine_redis)
    pharmacy.worker()
    pharmacy.beat()  # sends the outbox every second (SWEEP_ENV)
    orders = Orders(pharmacy.app, created_staff(pharmacy.app), patients="Beatrefill")
    rx = order(orders, auto_refill=True, refills=2)
    orders.dispensed(rx)
    orders.days_pass(rx, DAYS_SUPPLY - LEAD_DAYS)  # a week of capsules left

    entry = beat_schedule(pharmacy.env)[ENTRY]
    assert entry["every_s"] <= 24 * 3600  # a new day is taken up the same day
    pharmacy.app.extensions["queue"].send_task(entry["task"])

    shown: dict = {}

    def refill_ready() -> bool:
        shown.update(orders.shown(rx))
        return len(shown["fills"]) == 2 and shown["status"] == "ready"

    wait_for(refill_ready, 90, "the automatic refill to be worked")
    assert [f["status"] for f in shown["fills"]] == ["dispensed", "ready"]
    assert shown["quantity"] == {"value": "30", "unit": "capsule"}
    assert shown["price"] is not None
    with pharmacy.session():
        [_, refill] = database.session.scalars(
            select(Fill).where(Fill.prescription_id == rx).order_by(Fill.number)
        ).all()
        assert (refill.refill, refill.requested_via) == (1, "auto")
