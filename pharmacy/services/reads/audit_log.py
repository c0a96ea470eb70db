"""Reading the audit trail: every event, newest first, narrowed by what, who, order, day.

Read only: there is no service that edits or deletes an event, and the database refuses
UPDATE and DELETE on the table. Pages run by keyset (events older than the last one
shown), so the thousandth page costs what the first does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.models import AuditEvent

PER_PAGE = 100


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""  # a username or a clinic's name, exactly
    rx_number: int | None = None
    since: date | None = None  # the pharmacy's days, inclusive
    until: date | None = None


@dataclass(frozen=True)
class AuditPage:
    events: Sequence[AuditEvent]
    older_than: int | None  # the id to continue from, when there are older events


def search(
    session: Session,
    wanted: AuditFilter,
    *,
    timezone: str,
    older_than: int | None = None,
    per_page: int | None = None,
) -> AuditPage:
    per_page = per_page or PER_PAGE
    zone = ZoneInfo(timezone)
    where = []
    if wanted.action:
        where.append(AuditEvent.action == wanted.action)
    if wanted.actor:
        where.append(AuditEvent.actor_name == wanted.actor)
    if wanted.rx_number is not None:
        where.append(AuditEvent.prescription_id == wanted.rx_number)
    if wanted.since is not None:
        where.append(AuditEvent.at >= datetime.combine(wanted.since, time(0), zone))
    if wanted.until is not None:
        end = datetime.combine(wanted.until, time(0), zone) + timedelta(days=1)
        where.append(AuditEvent.at < end)
    if older_than is not None:
        where.append(AuditEvent.id < older_than)
    events = session.scalars(
        select(AuditEvent).where(*where).order_by(AuditEvent.id.desc()).limit(per_page + 1)
    ).all()
    session.rollback()  # a read: nothing to keep open
    more = len(events) > per_page
    events = events[:per_page]
    return AuditPage(events, events[-1].id if more and events else None)
