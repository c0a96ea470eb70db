"""The daily stock digest: lots expiring within 60 days and ingredients below their
reorder point, written to the audit trail as "stock.digest" (the pharmacy has no mail
server to send it with; the lots page shows the same)."""

from __future__ import annotations

from flask import current_app

from pharmacy.clock import pharmacy_today
from pharmacy.extensions import database
from pharmacy.services import SYSTEM
from pharmacy.services.admin.stock import record_digest

from .app import celery_app
from .tasks import TRANSIENT


@celery_app.task(name="workers.stock.digest", autoretry_for=TRANSIENT, max_retries=3)
def digest() -> dict[str, int]:
    found = record_digest(database.session, SYSTEM, pharmacy_today(current_app.config))
    return {"expiring": len(found.expiring), "below_reorder_point": len(found.low)}
