"""What an admin sees of the clinics' webhooks, and the one thing an admin does: send a
failed delivery again (once the clinic's server is back), with a fresh retry window.

The lists carry Rx numbers, event types and errors: no patient's name is read."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pharmacy.models import Clinic, WebhookDelivery, WebhookEndpoint, WebhookEvent, utcnow
from pharmacy.services import Actor, Conflict, NotFound
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

from . import FAILED, PENDING

FAILED_SHOWN = 200


@dataclass(frozen=True)
class EndpointRow:
    clinic: str
    id: str
    url: str
    events: tuple[str, ...]
    created_at: datetime
    counts: dict[str, int] = field(default_factory=dict)  # deliveries by state


@dataclass(frozen=True)
class FailedDelivery:
    id: int
    clinic: str
    url: str
    event_type: str
    rx_number: int
    fill: int
    sequence: int
    attempts: int
    last_error: str | None
    last_status_code: int | None
    failed_at: datetime


def endpoints(session: Session) -> list[EndpointRow]:
    """Every live endpoint, by clinic, with how many of its deliveries are in each state."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for endpoint_id, state, number in session.execute(
        select(WebhookDelivery.endpoint_id, WebhookDelivery.state, func.count()).group_by(
            WebhookDelivery.endpoint_id, WebhookDelivery.state
        )
    ):
        counts[endpoint_id][state] = number
    rows = session.execute(
        select(WebhookEndpoint, Clinic.name)
        .join(Clinic, Clinic.id == WebhookEndpoint.clinic_id)
        .where(WebhookEndpoint.deleted_at.is_(None))
        .order_by(Clinic.name, WebhookEndpoint.id)
    ).all()
    session.rollback()
    return [
        EndpointRow(
            name,
            str(endpoint.uid),
            endpoint.url,
            tuple(endpoint.events),
            endpoint.created_at,
            counts[endpoint.id],
        )
        for endpoint, name in rows
    ]


def failed(session: Session, limit: int = FAILED_SHOWN) -> list[FailedDelivery]:
    """The failed deliveries of live endpoints, the latest first."""
    rows = session.execute(
        select(
            WebhookDelivery.id,
            Clinic.name,
            WebhookEndpoint.url,
            WebhookEvent.type,
            WebhookEvent.prescription_id,
            WebhookEvent.fill_number,
            WebhookEvent.sequence,
            WebhookDelivery.attempts,
            WebhookDelivery.last_error,
            WebhookDelivery.last_status_code,
            WebhookDelivery.updated_at,
        )
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(Clinic, Clinic.id == WebhookEndpoint.clinic_id)
        .where(WebhookDelivery.state == FAILED, WebhookEndpoint.deleted_at.is_(None))
        .order_by(WebhookDelivery.updated_at.desc(), WebhookDelivery.id.desc())
        .limit(limit)
    ).all()
    session.rollback()
    return [FailedDelivery(*row) for row in rows]


def resend(session: Session, actor: Actor, delivery_id: int, *, retry_for: timedelta) -> int:
    """Put a failed delivery back to be sent at beat's next round; its Rx number."""
    now = utcnow()
    with unit_of_work(session):
        found = session.execute(
            select(WebhookDelivery.state, WebhookEndpoint.deleted_at, WebhookEvent.prescription_id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.id == delivery_id)
            .with_for_update(of=WebhookDelivery)
        ).first()
        if found is None or found.deleted_at is not None:
            raise NotFound(f"there is no delivery {delivery_id} to a live endpoint")
        if found.state != FAILED:
            raise Conflict("not_failed", f"delivery {delivery_id} is {found.state}, not failed")
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(state=PENDING, next_attempt_at=now, give_up_at=now + retry_for, updated_at=now)
        )
        trail.record(
            session,
            actor,
            "webhook.resent",
            prescription_id=found.prescription_id,
            delivery=delivery_id,
        )
    return found.prescription_id
