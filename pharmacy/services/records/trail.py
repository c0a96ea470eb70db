"""The one writer of an order's history: its status changes and the audit trail.

The API's intake, the worker and the staff's actions all write these rows through
here, built the same way: an audit event carries identifiers and reasons only, never
patient details; a status change is a move the workflow allows (`domain.workflow`).
Rows are written with one INSERT per table in the caller's unit of work, however many
there are; the database refuses to change or delete them afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from pharmacy.domain.workflow import Status
from pharmacy.models import AuditEvent, StatusChange, utcnow
from pharmacy.services import Actor

STATUS_CHANGES = StatusChange.__table__
AUDIT_EVENTS = AuditEvent.__table__


def status_change(
    prescription_id: int | None,
    from_status: Status | None,
    to_status: Status,
    actor: Actor,
    *,
    reason: str | None = None,
    at: datetime | None = None,
    fill: int = 0,
) -> dict[str, Any]:
    """A status change row of the prescription's fill number `fill`: `from_status` None
    for an order's first status."""
    return {
        "prescription_id": prescription_id,
        "fill_number": fill,
        "from_status": None if from_status is None else Status(from_status).value,
        "to_status": Status(to_status).value,
        "actor": actor.label,
        "reason": reason,
        "at": at or utcnow(),
    }


def audit_event(
    actor: Actor,
    action: str,
    *,
    prescription_id: int | None = None,
    request_id: str | None = None,
    at: datetime | None = None,
    **detail: Any,
) -> dict[str, Any]:
    """An audit event row; `detail` holds identifiers and reasons only."""
    return {
        "at": at or utcnow(),
        "actor_type": actor.kind,
        "actor_id": actor.id,
        "actor_name": actor.name,
        "action": action,
        "prescription_id": prescription_id,
        "detail": detail,
        "request_id": request_id,
    }


def write(
    session: Session,
    *,
    status_changes: Iterable[dict[str, Any]] = (),
    audit_events: Iterable[dict[str, Any]] = (),
) -> None:
    """Write the rows in the session's transaction (after flushing what it holds, so
    an order added through the ORM is there for them to name)."""
    changes, events = list(status_changes), list(audit_events)
    if session.new or session.dirty:
        session.flush()
    if changes:
        session.execute(insert(STATUS_CHANGES), changes)
    if events:
        session.execute(insert(AUDIT_EVENTS), events)


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    prescription_id: int | None = None,
    request_id: str | None = None,
    **detail: Any,
) -> None:
    """Write one audit event now."""
    event = audit_event(
        actor, action, prescription_id=prescription_id, request_id=request_id, **detail
    )
    write(session, audit_events=[event])
