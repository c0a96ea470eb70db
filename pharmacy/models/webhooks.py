"""Clinics' webhook endpoints, the events sent to them, and each delivery's progress.

An event is made once from the row that caused it (a status change, an audit event, or
a fill whose refill became due) and numbered in its prescription's `sequence`; its body
is kept as the exact bytes signed, so every attempt and a resend send the same thing. A
delivery is one event for one endpoint: the outbox of webhooks, pending until a 2xx
answers it or its retries run out.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow
from .records import BigId

REFILL_DUE = "prescription.refill_due"


class WebhookEndpoint(Base):
    """A clinic's receiver. The signing secret must be kept to sign with (a hash would
    not do); it is shown to the clinic once. A deleted endpoint keeps its row, so its
    deliveries still name it."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]


class WebhookEvent(Base):
    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("prescription_id", "sequence"),
        # One refill_due per fill, however often the due refills are looked for.
        Index(
            "ix_webhook_events_refill_due",
            "prescription_id",
            "fill_number",
            unique=True,
            postgresql_where=text(f"type = '{REFILL_DUE}'"),
            sqlite_where=text(f"type = '{REFILL_DUE}'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uid: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    type: Mapped[str] = mapped_column(String(60))
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"))
    fill_number: Mapped[int]
    sequence: Mapped[int]
    # The row it was made from: one event per row, however often the rows are scanned.
    status_change_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_changes.id"), unique=True
    )
    audit_event_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("audit_events.id"), unique=True
    )
    body: Mapped[str] = mapped_column(Text)  # the JSON sent, byte for byte
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        # The pending deliveries by the time they are due: what beat sends next.
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
        Index("ix_webhook_deliveries_endpoint_state", "endpoint_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("webhook_events.id"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    state: Mapped[str] = mapped_column(String(20), server_default="pending")
    # Attempts started; a task sends only the attempt it was given, so two copies of one
    # task (a broker's redelivery, beat's resend of a lost one) make one request.
    attempts: Mapped[int] = mapped_column(server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    give_up_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_status_code: Mapped[int | None]
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WebhookScanMark(Base):
    """How far the scan of a source table has settled: every row up to `after_id` has
    been turned into events. Rows are read again from there, so one committed after a
    row with a higher id is still found; `seen_id`, the highest id at `seen_at`, becomes
    the new mark once no transaction begun before then can still be open."""

    __tablename__ = "webhook_scan_marks"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    after_id: Mapped[int] = mapped_column(BigInteger)
    seen_id: Mapped[int] = mapped_column(BigInteger)
    seen_at: Mapped[datetime | None]
