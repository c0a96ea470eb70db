"""What the service keeps about its own work: audit trail, outbox, idempotency keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

# SQLite only auto-numbers a plain INTEGER primary key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class AuditEvent(Base):
    """Append-only: the database itself refuses UPDATE and DELETE on this table.

    `detail` carries identifiers and reasons, never patient names or birth dates.
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_prescription", "prescription_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_type: Mapped[str] = mapped_column(String(20))  # clinic | user | system
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60), index=True)
    prescription_id: Mapped[int | None] = mapped_column(ForeignKey("prescriptions.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))


class OutboxMessage(Base):
    """Work for the queue, committed with the change that caused it, published after."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_pending", "processed_at", "published_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uid: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    topic: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    # Set by the worker when the work is done: until then the sweep may publish again,
    # so a message lost with a broker is sent anew.
    processed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)


class IdempotencyKey(Base):
    """A clinic's Idempotency-Key, claimed in the same transaction as the order it made."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("clinic_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    prescription_id: Mapped[int | None] = mapped_column(ForeignKey("prescriptions.id"))
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
