"""The daily stock digest, as beat's schedule has it, run by a real Celery worker on
Redis: the audit trail gets a "stock.digest" event with the counts and the lots' ids."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from pharmacy.clock import pharmacy_today
from pharmacy.extensions import database
from pharmacy.models import AuditEvent, Ingredient, Lot
from tests.support.waiting import wait_for
from tests.support.workers import ROOT

ENTRY = "stock-digest"


def _schedule(env: dict[str, str]) -> dict:
    program = (
        "import json; from workers.app import celery_app; "
        f"entry = celery_app.conf.beat_schedule[{ENTRY!r}]; "
        "print(json.dumps({'task': entry['task'], 'every_s': float(entry['schedule'])}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", program], env=env, cwd=ROOT, capture_output=True, check=True
    )
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def _lot(session, number: str, expires_on) -> int:
    vials = session.scalar(select(Ingredient).where(Ingredient.code == "vial_cap"))
    lot = Lot(
        ingredient=vials,
        lot_number=number,
        vendor="Test Supply",
        expires_on=expires_on,
        received_on=expires_on - timedelta(days=365),
        quantity_on_hand=Decimal(40),
    )
    session.add(lot)
    session.flush()
    return lot.id


def test_beat_sends_the_digest_once_a_day_and_a_worker_writes_it(pharmacy_on, machine_redis):
    pharmacy = pharmacy_on(machine_redis)
    with pharmacy.session():
        session = database.session
        today = pharmacy_today(pharmacy.app.config)
        soon = _lot(session, "DIGEST-30", today + timedelta(days=30))
        later = _lot(session, "DIGEST-90", today + timedelta(days=90))
        session.commit()
    entry = _schedule(pharmacy.env)
    assert entry == {"task": "workers.stock.digest", "every_s": 24 * 3600.0}
    pharmacy.worker()
    pharmacy.app.extensions["queue"].send_task(entry["task"])

    found: list[AuditEvent] = []

    def written() -> bool:
        with pharmacy.session():
            found[:] = database.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "stock.digest")
            ).all()
        return bool(found)

    wait_for(written, 60, "the stock digest to be written")
    [digest] = found
    assert digest.actor_type == "system"
    assert soon in digest.detail["expiring_lot_ids"]
    assert later not in digest.detail["expiring_lot_ids"]
    assert digest.detail["expiring"] == len(digest.detail["expiring_lot_ids"])
    assert digest.detail["day"] == today.isoformat()
