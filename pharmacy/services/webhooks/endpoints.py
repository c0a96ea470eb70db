"""A clinic's webhook endpoints, as the clinic registers, lists and deletes them through
the API. A clinic sees only its own: another clinic's id is not found. The signing
secret is handed back once, when the endpoint is made."""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pharmacy.models import WebhookDelivery, WebhookEndpoint, utcnow
from pharmacy.services import Actor, Conflict, NotFound
from pharmacy.services.admin.refusals import refused
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

from . import FAILED, PENDING, addresses
from .events import EVENT_TYPES

SECRET_PREFIX = "whsec_"  # noqa: S105  (a prefix, no secret)
SECRET_BYTES = 32  # Standard Webhooks: between 24 and 64
ENDPOINTS_PER_CLINIC = 10
DELETED = "the clinic deleted the endpoint"


@dataclass(frozen=True)
class Endpoint:
    id: str
    url: str
    events: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True)
class Registered:
    """An endpoint just made, with its secret: shown this once."""

    endpoint: Endpoint
    secret: str


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def register(
    session: Session,
    clinic_id: int,
    actor: Actor,
    url: str,
    events: Sequence[str],
    *,
    allow_private: bool,
    request_id: str | None = None,
) -> Registered:
    unknown = [name for name in events if name not in EVENT_TYPES]
    if unknown:
        raise refused(("events", f"unknown event {unknown[0]}: one of " + ", ".join(EVENT_TYPES)))
    try:
        addresses.checked_url(url, allow_private=allow_private)
    except addresses.Refused as refusal:
        raise refused(("url", str(refusal))) from None
    with unit_of_work(session):
        live = session.scalar(
            select(func.count())
            .select_from(WebhookEndpoint)
            .where(WebhookEndpoint.clinic_id == clinic_id, WebhookEndpoint.deleted_at.is_(None))
        )
        if live >= ENDPOINTS_PER_CLINIC:
            raise Conflict(
                "too_many_endpoints",
                f"a clinic has at most {ENDPOINTS_PER_CLINIC} endpoints; delete one first",
            )
        endpoint = WebhookEndpoint(
            clinic_id=clinic_id,
            url=url,
            events=list(dict.fromkeys(events)),
            secret=new_secret(),
            created_at=utcnow(),
        )
        session.add(endpoint)
        session.flush()
        trail.record(
            session,
            actor,
            "webhook.registered",
            request_id=request_id,
            endpoint=str(endpoint.uid),
            events=endpoint.events,
        )
    return Registered(_shown(endpoint), endpoint.secret)


def list_for_clinic(session: Session, clinic_id: int) -> list[Endpoint]:
    rows = session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.clinic_id == clinic_id, WebhookEndpoint.deleted_at.is_(None))
        .order_by(WebhookEndpoint.id)
    ).all()
    session.rollback()  # a read: no transaction left open
    return [_shown(row) for row in rows]


def delete(
    session: Session,
    clinic_id: int,
    actor: Actor,
    endpoint_uid: uuid.UUID,
    *,
    request_id: str | None = None,
) -> None:
    """Nothing more is sent to it; what was still waiting is failed, never sent."""
    with unit_of_work(session):
        endpoint = session.scalar(
            select(WebhookEndpoint)
            .where(
                WebhookEndpoint.uid == endpoint_uid,
                WebhookEndpoint.clinic_id == clinic_id,
                WebhookEndpoint.deleted_at.is_(None),
            )
            .with_for_update()
        )
        if endpoint is None:
            raise NotFound("no such webhook endpoint for this clinic")
        now = utcnow()
        endpoint.deleted_at = now
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.state == PENDING)
            .values(state=FAILED, last_error=DELETED, updated_at=now)
        )
        trail.record(
            session, actor, "webhook.deleted", request_id=request_id, endpoint=str(endpoint_uid)
        )


def _shown(row: WebhookEndpoint) -> Endpoint:
    return Endpoint(str(row.uid), row.url, tuple(row.events), row.created_at)
