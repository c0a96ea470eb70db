"""Working received prescriptions: screen each, compute its worksheet, BUD and price.

Everything the rules need comes from the database (formula, lots, settings, price
list), so the pharmacy changes its defaults as data. The work is idempotent: an order
is locked and only worked while still `received`, so a task delivered twice leaves one
worksheet, one price and one set of alerts.

A worker's task may take other waiting orders along with its own (`take_along`): they
are worked in the same transaction, read once and written a statement per table, and
their own tasks then find them done. An order whose worksheet cannot be computed is
held with a `processing_failed` alert in that same transaction; if the batch cannot
be written at all, its orders are worked again one by one, so only the one at fault
is held.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from pharmacy.database import UNAVAILABLE, alone
from pharmacy.domain.workflow import Status
from pharmacy.models import OutboxMessage, Prescription, utcnow
from pharmacy.services import reference
from pharmacy.services.records import outbox
from pharmacy.services.unit_of_work import unit_of_work
from pharmacy.services.worker import orders, outcome, records
from pharmacy.services.worker.orders import lot_stock, shelf
from pharmacy.services.worker.records import plain

# `shelf`, `lot_stock` and `plain` are shared with the admin and compounding records.
__all__ = ["TRANSIENT", "hold_for_error", "lot_stock", "plain", "shelf", "work_prescription"]

# Worth retrying: the database or the network is away for a moment.
TRANSIENT = UNAVAILABLE
log = logging.getLogger("pharmacy.work")
_OUTBOX = OutboxMessage.__table__


def work_prescription(
    session: Session,
    prescription_id: int,
    *,
    today: date,
    message_uid: uuid.UUID | None = None,
    request_id: str | None = None,
    take_along: int = 0,
) -> str | None:
    """Work the order, and up to `take_along` other received orders with it (oldest
    first, none another worker holds). Returns the order's new status, or None when
    there was nothing to do for it."""
    if message_uid is not None and _message_done(session, message_uid):
        return None
    if take_along:
        taken = orders.take(session, prescription_id, others=take_along)
        statuses = _work(session, taken.orders, today, prescription_id, request_id)
        if not taken.own_busy:
            if prescription_id in statuses:
                return statuses[prescription_id]
            with unit_of_work(session):
                _done(session, message_uid)  # worked before, or no longer wanted
            return None
    # The order alone, once whoever holds it is done with it.
    prescription = orders.lock(session, prescription_id)
    if prescription is None or prescription.status != Status.RECEIVED:
        with unit_of_work(session):
            _done(session, message_uid)
        return None
    return _work(session, [prescription], today, prescription_id, request_id)[prescription_id]


def hold_for_error(
    session: Session,
    prescription_id: int,
    error: str,
    *,
    message_uid: uuid.UUID | None = None,
    request_id: str | None = None,
) -> str | None:
    """Hold an order the worker could not work, with the kind of error, for a pharmacist
    to see instead of a task retried for ever. Returns its new status, or None when it
    was no longer received."""
    with unit_of_work(session):
        prescription = orders.lock(session, prescription_id)
        if prescription is None or prescription.status != Status.RECEIVED:
            _done(session, message_uid)
            return None
        failed = outcome.failed(prescription_id, error, prescription.current_fill)
        records.write(session, [failed], now=utcnow(), request_ids={prescription_id: request_id})
        _done(session, message_uid)
    return failed.status


def _work(
    session: Session,
    prescriptions: list[Prescription],
    today: date,
    own_id: int,
    request_id: str | None,
) -> dict[int, str]:
    """Work received orders locked in the session's transaction, and end it with the
    work committed (or rolled back, locks and all); their new statuses."""
    if not prescriptions:
        return {}
    try:
        with unit_of_work(session):
            outcomes = _assess(session, prescriptions, today)
            records.write(session, outcomes, now=utcnow(), request_ids={own_id: request_id})
    except TRANSIENT:
        raise
    except Exception:
        if [p.id for p in prescriptions] == [own_id]:
            raise  # the task holds its own order (see `hold_for_error`)
        log.exception("a batch could not be written; its orders are worked one by one")
        return _one_by_one(session, [p.id for p in prescriptions], today, own_id, request_id)
    return {o.prescription_id: o.status for o in outcomes}


def _assess(
    session: Session, prescriptions: list[Prescription], today: date
) -> list[outcome.Outcome]:
    """What the rules make of each order, from one reading of the reference data, the
    shelf and the patients' other orders for the whole batch."""
    data = reference.current(session)
    lots = orders.shelf(session)
    others = orders.other_active_orders(session, prescriptions)
    outcomes = []
    for prescription in prescriptions:
        try:
            outcomes.append(
                outcome.assess(
                    prescription,
                    data=data,
                    drug_data=data.drug_data,
                    lots=lots,
                    other_active_orders=others[prescription.id],
                    today=today,
                )
            )
        except Exception as error:  # never transient: the rules read no database
            _log_held(prescription.id)
            failed = outcome.failed(
                prescription.id, type(error).__name__, prescription.current_fill
            )
            outcomes.append(failed)
    return outcomes


def _one_by_one(
    session: Session, ids: list[int], today: date, own_id: int, request_id: str | None
) -> dict[int, str]:
    statuses: dict[int, str] = {}
    for prescription_id in ids:
        known = request_id if prescription_id == own_id else None
        try:
            status = work_prescription(session, prescription_id, today=today, request_id=known)
        except TRANSIENT:
            raise
        except Exception as error:
            session.rollback()  # whatever the failed try had begun, locks and all
            _log_held(prescription_id)
            error_name = type(error).__name__
            status = hold_for_error(session, prescription_id, error_name, request_id=known)
        if status is not None:
            statuses[prescription_id] = status
    return statuses


def _log_held(prescription_id: int) -> None:
    """Called while the error is handled: the JSON log line names its kind only."""
    log.exception(
        "order could not be worked; put on hold", extra={"rx_number": str(prescription_id)}
    )


def _message_done(session: Session, message_uid: uuid.UUID) -> bool:
    """Whether the task's message is marked processed: its order was worked, most often
    taken along by another task, and a look without any lock says so.

    Most tasks of a busy queue end here, so the look is one statement on a connection
    of its own (in autocommit on PostgreSQL: no BEGIN and ROLLBACK around it), built
    once. The work, if any, takes a transaction of its own.
    """
    values = {"message_uid": message_uid}
    if session.in_transaction():  # the caller's: the look joins it, and leaves it open
        return session.execute(_PROCESSED_AT, values).scalar() is not None
    with alone(session.get_bind()) as connection:
        return connection.execute(_PROCESSED_AT, values).scalar() is not None


_PROCESSED_AT = select(_OUTBOX.c.processed_at).where(_OUTBOX.c.uid == bindparam("message_uid"))


def _done(session: Session, message_uid: uuid.UUID | None) -> None:
    if message_uid is not None:
        outbox.mark_processed(session, message_uid)
