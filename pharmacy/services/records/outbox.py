"""The outbox: work for the queue, written in the same transaction as its cause.

A message is published right after its commit, and the sweep publishes again anything
not yet processed: never sent (the broker was down) or sent long ago and still not
done (the broker lost it). Workers are idempotent, so a second delivery is harmless.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import literal_column, or_, select, update
from sqlalchemy.orm import Session

from pharmacy.models import OutboxMessage, utcnow

PRESCRIPTION_RECEIVED = "prescription.received"
SWEEP_BATCH = 500

Send = Callable[[str, dict[str, Any], str, str | None], None]
log = logging.getLogger("pharmacy.outbox")


def message(
    topic: str,
    payload: dict[str, Any],
    request_id: str | None = None,
    *,
    sending_now: bool = False,
) -> OutboxMessage:
    """A message not yet in any transaction (`enqueue` adds it to one).

    `sending_now` says the caller will send it right after the commit: it is then
    written as already published, which spares a second write on every request;
    `send_committed` clears that if the send fails, and if the process dies in
    between, the sweep sends it once `redeliver_after` has passed."""
    return OutboxMessage(
        uid=uuid.uuid4(),
        topic=topic,
        payload=payload,
        request_id=request_id,
        published_at=utcnow() if sending_now else None,
        attempts=1 if sending_now else 0,
    )


def enqueue(
    session: Session,
    topic: str,
    payload: dict[str, Any],
    request_id: str | None = None,
    *,
    sending_now: bool = False,
) -> OutboxMessage:
    """Add a message to the transaction (see `message` for `sending_now`)."""
    added = message(topic, payload, request_id, sending_now=sending_now)
    session.add(added)
    return added


def send_committed(session: Session, send: Send, message: OutboxMessage) -> bool:
    """Send a message its request has just committed; False leaves it to the sweep."""
    try:
        send(message.topic, message.payload, str(message.uid), message.request_id)
    except Exception as error:  # any broker failure: the sweep will try again
        log.warning(
            "broker unavailable; message left for the sweep",
            extra={"request_id": message.request_id, "error": f"{type(error).__name__}: {error}"},
        )
        session.rollback()
        session.execute(
            update(OutboxMessage).where(OutboxMessage.uid == message.uid).values(published_at=None)
        )
        session.commit()
        return False
    return True


def sweep(
    session: Session,
    send: Send,
    *,
    redeliver_after: timedelta,
    grace: timedelta = timedelta(seconds=5),
    now: datetime | None = None,
) -> int:
    """Publish every message that is due: never sent, or sent long ago and not done.

    Messages younger than `grace` are left to the request that wrote them. Rows are
    locked with SKIP LOCKED, so two sweeps never send the same message. Returns how
    many were sent.
    """
    now = now or utcnow()
    messages = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.processed_at.is_(None),
            OutboxMessage.created_at < now - grace,
            or_(
                OutboxMessage.published_at.is_(None),
                OutboxMessage.published_at < now - redeliver_after,
            ),
        )
        .order_by(OutboxMessage.id)
        .limit(SWEEP_BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    sent = 0
    for message in messages:
        try:
            send(message.topic, message.payload, str(message.uid), message.request_id)
        except Exception as error:  # any broker failure: the sweep will try again
            log.warning(
                "broker unavailable; message left for the sweep",
                extra={
                    "request_id": message.request_id,
                    "error": f"{type(error).__name__}: {error}",
                },
            )
            break
        message.published_at = now
        message.attempts += 1
        sent += 1
    session.commit()
    return sent


def mark_processed(session: Session, message_uid: uuid.UUID) -> None:
    """Called in the worker's own transaction, so 'done' and the work commit together.

    The worker knows its message by the task id, which is the message's uid.
    """
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.uid == message_uid, OutboxMessage.processed_at.is_(None))
        .values(processed_at=utcnow())
    )


def mark_orders_processed(
    session: Session, prescription_ids: list[int], now: datetime
) -> dict[int, str | None]:
    """Mark the outbox messages of these orders processed, in the transaction that works
    them, so the sweep never sends them again; returns each order's request id.

    A message names its order only in its payload; the partial index of migration 0005
    finds the unprocessed ones by it, however long the outbox grows.
    """
    table = OutboxMessage.__table__
    key, keys = _payload_order(session, prescription_ids)
    rows = session.execute(
        update(table)
        .where(
            table.c.processed_at.is_(None),
            key.in_(keys),
            table.c.topic == PRESCRIPTION_RECEIVED,
        )
        .values(processed_at=now)
        .returning(key, table.c.request_id)
    ).all()
    return {int(order): request_id for order, request_id in rows}


def _payload_order(session: Session, prescription_ids: list[int]):
    """The payload's prescription id, spelled exactly as the index 0005 is built on."""
    if session.get_bind().dialect.name == "postgresql":
        return literal_column("(payload ->> 'prescription_id')"), [str(i) for i in prescription_ids]
    return literal_column("json_extract(payload, '$.prescription_id')"), prescription_ids
