"""Thin tasks: each takes ids, calls a service, and leaves the rules to the domain."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from flask import current_app

from pharmacy.clock import pharmacy_today
from pharmacy.extensions import database
from pharmacy.models import utcnow
from pharmacy.queue import broker_lost, sender_for
from pharmacy.services import worker as work
from pharmacy.services.records import outbox
from pharmacy.services.worker import auto_refills, renewals

from .app import celery_app

# Worth retrying: the database or the network is away for a moment.
TRANSIENT = work.TRANSIENT
# Waiting orders a task works along with its own, in the same transaction: a worker's
# time goes to round trips and commits, which a batch shares. Beyond a few dozen the
# shared part is already small, and a batch holds its orders' locks while it works.
TAKE_ALONG = 24
log = logging.getLogger("workers.tasks")


@celery_app.task(
    name="workers.tasks.work_prescription",
    bind=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=8,
)
def work_prescription(self, prescription_id: int, request_id: str | None = None) -> None:
    session = database.session
    message_uid = _uuid(self.request.id)
    context = {"request_id": request_id, "rx_number": str(prescription_id)}
    try:
        status = work.work_prescription(
            session,
            prescription_id,
            today=pharmacy_today(current_app.config),
            message_uid=message_uid,
            request_id=request_id,
            take_along=TAKE_ALONG,
        )
    except TRANSIENT:
        session.rollback()
        log.warning("database unavailable; retrying", extra=context)
        raise
    except Exception as error:
        # A poison order the service could not hold itself (it holds those whose
        # worksheet cannot be computed): hold it for a pharmacist instead of retrying
        # for ever.
        session.rollback()
        log.exception("order could not be worked; put on hold", extra=context)
        work.hold_for_error(
            session,
            prescription_id,
            type(error).__name__,
            message_uid=message_uid,
            request_id=request_id,
        )
        return
    log.info("order worked", extra={**context, "status": status})


@celery_app.task(name="workers.tasks.sweep_outbox", autoretry_for=TRANSIENT, max_retries=3)
def sweep_outbox() -> int:
    config = current_app.config
    redeliver_after = timedelta(seconds=config["OUTBOX_REDELIVER_AFTER_S"])
    if broker_lost(str(config["BROKER_URL"])):
        # The broker came back empty: everything sent and not yet worked was lost with
        # it, however recently. Sent again now, once (the marker is set again), not
        # after the timer.
        log.warning("the broker lost its queue; sending again what was not yet worked")
        redeliver_after = grace = timedelta(0)
    else:
        grace = timedelta(seconds=min(5.0, config["OUTBOX_REDELIVER_AFTER_S"]))
    now, sent = utcnow(), 0
    while True:  # batch after batch; what is sent now is not due again at `now`
        batch = outbox.sweep(
            database.session,
            sender_for(celery_app),
            redeliver_after=redeliver_after,
            grace=grace,
            now=now,
        )
        sent += batch
        if batch < outbox.SWEEP_BATCH:
            return sent


@celery_app.task(
    name="workers.tasks.start_refills_and_ask_renewals", autoretry_for=TRANSIENT, max_retries=3
)
def start_refills_and_ask_renewals() -> dict[str, list[int]]:
    """Beat's round of the pharmacy's own calendar: the automatic refills that are due
    are started (their work sent by the outbox sweep), and the prescribers asked to
    renew what can soon be filled no more. Run again the same day, it does nothing new."""
    config = current_app.config
    today = pharmacy_today(config)
    session = database.session
    started = auto_refills.start_due(
        session, today=today, lead_days=int(config["AUTO_REFILL_LEAD_DAYS"])
    )
    asked = renewals.request_due(session, today=today, lead_days=int(config["RENEWAL_LEAD_DAYS"]))
    return {"refills_started": started, "renewals_requested": asked}


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None
