"""The outbox: work for the queue, written in the same transaction as its cause."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from pharmacy.models import OutboxMessage

PRESCRIPTION_RECEIVED = "prescription.received"


def enqueue(
    session: Session, topic: str, payload: dict[str, Any], request_id: str | None = None
) -> OutboxMessage:
    message = OutboxMessage(topic=topic, payload=payload, request_id=request_id)
    session.add(message)
    return message
