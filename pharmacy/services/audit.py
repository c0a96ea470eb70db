"""Writing the audit trail. Only identifiers and reasons go in, never patient details."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from pharmacy.models import AuditEvent

from . import Actor


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    prescription_id: int | None = None,
    request_id: str | None = None,
    **detail: Any,
) -> None:
    session.add(
        AuditEvent(
            actor_type=actor.kind,
            actor_id=actor.id,
            actor_name=actor.name,
            action=action,
            prescription_id=prescription_id,
            detail=detail,
            request_id=request_id,
        )
    )
