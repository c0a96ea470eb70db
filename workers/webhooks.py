"""Webhook tasks, on a queue of their own (`QUEUE`), so a slow or dead receiver holds up
only the webhook worker, never intake nor the pharmacy's work.

Beat runs `scan` every `WEBHOOK_SCAN_INTERVAL_S`: new history becomes events and
deliveries, and each delivery due is sent as a `deliver` task of its own. A task lost
with a worker or the broker is sent again by a later scan (`services.webhooks.scan`).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from pharmacy.clock import pharmacy_today
from pharmacy.extensions import database
from pharmacy.models import utcnow
from pharmacy.services.webhooks import scan as scanning
from pharmacy.services.webhooks import sending

from .app import celery_app
from .tasks import TRANSIENT

QUEUE = "webhooks"
# Connect and read timeouts bound a request; this bounds the task around it.
DELIVERY_TIME_LIMIT_S = 90
log = logging.getLogger("workers.webhooks")


@celery_app.task(name="workers.webhooks.scan", autoretry_for=TRANSIENT, max_retries=3)
def scan() -> int:
    config = current_app.config
    due = scanning.run(
        database.session,
        scanning.Round(
            now=utcnow(),
            today=pharmacy_today(config),
            refill_lead_days=int(config["AUTO_REFILL_LEAD_DAYS"]),
            retry_for=timedelta(seconds=float(config["WEBHOOK_RETRY_FOR_S"])),
            refill_due_every=timedelta(seconds=float(config["WEBHOOK_REFILL_DUE_EVERY_S"])),
            lease=timedelta(seconds=float(config["WEBHOOK_LEASE_S"])),
        ),
    )
    for send in due:
        # A send that fails leaves the delivery leased: a scan after the lease sends it.
        deliver.apply_async(
            kwargs={"delivery_id": send.delivery_id, "attempt": send.attempt}, queue=QUEUE
        )
    return len(due)


@celery_app.task(
    name="workers.webhooks.deliver",
    autoretry_for=TRANSIENT,
    max_retries=3,
    time_limit=DELIVERY_TIME_LIMIT_S,
    soft_time_limit=DELIVERY_TIME_LIMIT_S - 15,
)
def deliver(delivery_id: int, attempt: int) -> str:
    config = current_app.config
    policy = sending.Policy(
        allow_private=bool(config["WEBHOOK_ALLOW_PRIVATE"]),
        connect_timeout_s=float(config["WEBHOOK_CONNECT_TIMEOUT_S"]),
        read_timeout_s=float(config["WEBHOOK_READ_TIMEOUT_S"]),
        backoff_s=float(config["WEBHOOK_BACKOFF_S"]),
        backoff_max_s=float(config["WEBHOOK_BACKOFF_MAX_S"]),
        lease=timedelta(seconds=float(config["WEBHOOK_LEASE_S"])),
    )
    return sending.attempt(database.session, delivery_id, attempt, policy)
