"""Beat's round for webhooks: new rows of the history become events, events become
deliveries, and the deliveries that are due are handed back to be sent.

Intake and the worker write their status changes and audit events as they always have;
this round reads them afterwards. It reads each table from a mark, again and again
until the mark moves past a row, and the mark moves only to an id seen `SETTLE` ago, so
a row committed after one with a higher id is still found. A row is made an event once
(the event names its row, uniquely), so reading it again is harmless. Only clinics with
a live endpoint get events, and an endpoint only what happened after it was registered.

A delivery handed back is leased (`Round.lease`, `WEBHOOK_LEASE_S`): it is not handed
back again meanwhile, and if its task is lost (a worker or the broker died) the next
round after the lease sends it again. One round runs at a time: it holds the marks' rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session

from pharmacy.domain.refills import earliest_refill
from pharmacy.models import (
    AuditEvent,
    Fill,
    Prescription,
    Shipment,
    StatusChange,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookScanMark,
)
from pharmacy.services.reads.refills_due import due_conditions, too_soon_percent
from pharmacy.services.unit_of_work import unit_of_work

from . import FAILED, PENDING
from .events import (
    AUDIT_EVENTS,
    REFILL_DUE,
    STATUS_EVENTS,
    Happening,
    body,
    status_event,
    status_extra,
)

STATUS_CHANGES, AUDIT_TRAIL, REFILLS_DUE = "status_changes", "audit_events", "refills_due"
BATCH = 500  # rows of a table made events in one round
# Longer than any transaction lives: a task is stopped after 5 minutes, a web request
# long before.
SETTLE = timedelta(minutes=10)
SEND_AT_MOST = 200
PER_ENDPOINT = 10  # in one round, so one slow receiver does not fill the queue
NOT_IN_TIME = "not delivered in time"


@dataclass(frozen=True)
class Round:
    """What a round goes by: the moment, the pharmacy's day, and its settings."""

    now: datetime
    today: date
    refill_lead_days: int
    retry_for: timedelta
    refill_due_every: timedelta
    lease: timedelta = timedelta(minutes=2)  # longer than a delivery task may run


@dataclass(frozen=True, order=True)
class Send:
    """A delivery to send now: its task sends attempt number `attempt` and no other."""

    delivery_id: int
    attempt: int


def run(session: Session, round_: Round) -> list[Send]:
    """One round; an empty list when another round holds the marks."""
    with unit_of_work(session):
        marks = {
            mark.source: mark
            for mark in session.scalars(select(WebhookScanMark).with_for_update(skip_locked=True))
        }
        if set(marks) != {STATUS_CHANGES, AUDIT_TRAIL, REFILLS_DUE}:
            return []
        # The audit trail first: each read sees what was committed when it began, and a
        # writer writes a move before the audit event that tells of it, so an event is
        # never read in a round before its move (and numbered ahead of it).
        told = _audit_happenings(session, marks[AUDIT_TRAIL], round_.now)
        happenings = _status_happenings(session, marks[STATUS_CHANGES], round_.now) + told
        if _refills_due_to_look(marks[REFILLS_DUE], round_):
            happenings += _refills_due(session, round_)
        _make_events(session, happenings, round_)
        _fail_late(session, round_.now)
        return _lease_due(session, round_.now, round_.lease)


# --- reading the history ------------------------------------------------------------------


def _live_endpoint(clinic_id, since) -> Any:
    return exists().where(
        WebhookEndpoint.clinic_id == clinic_id,
        WebhookEndpoint.deleted_at.is_(None),
        WebhookEndpoint.created_at <= since,
    )


def _status_happenings(session: Session, mark: WebhookScanMark, now: datetime) -> list:
    change = StatusChange
    rows = session.execute(
        select(
            change.id,
            change.fill_number,
            change.to_status,
            change.at,
            Prescription.id.label("rx"),
            Prescription.uid,
            Shipment.carrier,
            Shipment.tracking_number,
        )
        .join(Prescription, Prescription.id == change.prescription_id)
        .outerjoin(  # a shipped fill's parcel, for its event (one per fill)
            Shipment,
            (Shipment.prescription_id == change.prescription_id)
            & (Shipment.fill_number == change.fill_number),
        )
        .where(
            change.id > mark.after_id,
            change.to_status.in_(STATUS_EVENTS),
            _live_endpoint(Prescription.clinic_id, change.at),
            ~exists().where(WebhookEvent.status_change_id == change.id),
        )
        .order_by(change.id)
        .limit(BATCH)
    ).all()
    _advance(session, mark, StatusChange, [row.id for row in rows], now)
    return [
        (
            Happening(
                status_event(row.to_status),
                str(row.uid),
                row.rx,
                row.fill_number,
                row.to_status,
                row.at,
                status_extra(row.to_status, row._mapping),
            ),
            {"status_change_id": row.id},
        )
        for row in rows
    ]


def _audit_happenings(session: Session, mark: WebhookScanMark, now: datetime) -> list:
    event = AuditEvent

    def then(column):  # the fill's status change in force when the event was written
        return (
            select(column)
            .where(
                StatusChange.prescription_id == event.prescription_id, StatusChange.at <= event.at
            )
            .order_by(StatusChange.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    rows = session.execute(
        select(
            event.id,
            event.action,
            event.detail,
            event.at,
            Prescription.id.label("rx"),
            Prescription.uid,
            func.coalesce(then(StatusChange.to_status), Prescription.status).label("status"),
            func.coalesce(then(StatusChange.fill_number), Prescription.current_fill).label("fill"),
        )
        .join(Prescription, Prescription.id == event.prescription_id)
        .where(
            event.id > mark.after_id,
            event.action.in_(AUDIT_EVENTS),
            _live_endpoint(Prescription.clinic_id, event.at),
            ~exists().where(WebhookEvent.audit_event_id == event.id),
        )
        .order_by(event.id)
        .limit(BATCH)
    ).all()
    _advance(session, mark, AuditEvent, [row.id for row in rows], now)
    found = []
    for row in rows:
        detail = row.detail or {}
        extra = {name: detail.get(name) for name in AUDIT_EVENTS[row.action]}
        fill = detail.get("fill", row.fill)
        happening = Happening(row.action, str(row.uid), row.rx, fill, row.status, row.at, extra)
        found.append((happening, {"audit_event_id": row.id}))
    return found


def _advance(session: Session, mark: WebhookScanMark, model, read: list[int], now) -> None:
    """Move the mark to the highest id seen `SETTLE` ago (not past a batch cut short:
    what is after it is still to read), and note the highest id there is now."""
    if mark.seen_at is not None and mark.seen_at > now - SETTLE:
        return
    settled = mark.seen_id
    if len(read) == BATCH:
        settled = min(settled, read[-1])
    mark.after_id = max(mark.after_id, settled)
    mark.seen_id = session.scalar(select(func.coalesce(func.max(model.id), 0)))
    mark.seen_at = now


def _refills_due_to_look(mark: WebhookScanMark, round_: Round) -> bool:
    if mark.seen_at is not None and mark.seen_at > round_.now - round_.refill_due_every:
        return False
    mark.seen_at = round_.now
    return True


def _refills_due(session: Session, round_: Round) -> list:
    """The fills whose refill is due, as the queue's "Refills due" tab has them, that
    have not had their event."""
    percent = too_soon_percent(session)
    rows = session.execute(
        select(
            Prescription.id,
            Prescription.uid,
            Prescription.current_fill,
            Prescription.days_supply,
            Prescription.refills_remaining,
            Prescription.status,
            Fill.dispensed_on,
        )
        .select_from(Fill)
        .join(Prescription, Prescription.id == Fill.prescription_id)
        .where(
            *due_conditions(session, round_.today, round_.refill_lead_days, percent),
            _live_endpoint(Prescription.clinic_id, round_.now),
            ~exists().where(
                WebhookEvent.type == REFILL_DUE,
                WebhookEvent.prescription_id == Prescription.id,
                WebhookEvent.fill_number == Prescription.current_fill,
            ),
        )
        .order_by(Prescription.id)
        .limit(BATCH)
    ).all()
    return [
        (
            Happening(
                REFILL_DUE,
                str(row.uid),
                row.id,
                row.current_fill,
                row.status,  # dispensed or shipped
                round_.now,
                {
                    "due_on": earliest_refill(
                        _day(row.dispensed_on), row.days_supply, percent
                    ).isoformat(),
                    "refills_remaining": row.refills_remaining,
                },
            ),
            {},
        )
        for row in rows
    ]


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


# --- events and deliveries -----------------------------------------------------------------


def _make_events(session: Session, happenings: list, round_: Round) -> None:
    """Number the happenings per prescription in the order they happened, and make each
    an event with a delivery to every endpoint of its clinic that wants it."""
    if not happenings:
        return
    # By when they happened, a move before what tells of it; stable: each table's rows
    # stay in id order.
    happenings.sort(key=lambda pair: (pair[0].at, "audit_event_id" in pair[1]))
    numbers = {h.rx_number for h, _ in happenings}
    last = dict(
        session.execute(
            select(WebhookEvent.prescription_id, func.max(WebhookEvent.sequence))
            .where(WebhookEvent.prescription_id.in_(numbers))
            .group_by(WebhookEvent.prescription_id)
        ).all()
    )
    clinics = dict(
        session.execute(
            select(Prescription.id, Prescription.clinic_id).where(Prescription.id.in_(numbers))
        ).all()
    )
    endpoints: dict[int, list[WebhookEndpoint]] = defaultdict(list)
    for endpoint in session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.clinic_id.in_(set(clinics.values())),
            WebhookEndpoint.deleted_at.is_(None),
        )
    ):
        endpoints[endpoint.clinic_id].append(endpoint)
    made = []
    for happening, source in happenings:
        sequence = last.get(happening.rx_number, 0) + 1
        last[happening.rx_number] = sequence
        event = WebhookEvent(
            type=happening.type,
            prescription_id=happening.rx_number,
            fill_number=happening.fill,
            sequence=sequence,
            body=body(happening, sequence),
            created_at=round_.now,
            **source,
        )
        made.append((event, happening))
    session.add_all([event for event, _ in made])
    session.flush()
    deliveries = [
        {
            "event_id": event.id,
            "endpoint_id": endpoint.id,
            "state": PENDING,
            "attempts": 0,
            "next_attempt_at": round_.now,
            "give_up_at": round_.now + round_.retry_for,
            "created_at": round_.now,
            "updated_at": round_.now,
        }
        for event, happening in made
        for endpoint in endpoints[clinics[happening.rx_number]]
        if happening.type in endpoint.events and endpoint.created_at <= happening.at
    ]
    if deliveries:
        session.execute(WebhookDelivery.__table__.insert(), deliveries)


def _fail_late(session: Session, now: datetime) -> None:
    """Deliveries whose time ran out before they could be tried again (no worker took
    them): failed, for an admin to resend."""
    session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.state == PENDING,
            WebhookDelivery.give_up_at <= now,
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(
            state=FAILED,
            last_error=func.coalesce(WebhookDelivery.last_error, NOT_IN_TIME),
            updated_at=now,
        )
    )


def _lease_due(session: Session, now: datetime, lease: timedelta) -> list[Send]:
    due = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.endpoint_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.state == PENDING,
            WebhookDelivery.next_attempt_at <= now,
            WebhookEndpoint.deleted_at.is_(None),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(SEND_AT_MOST * 5)
    ).all()
    taken: dict[int, int] = defaultdict(int)
    chosen = []
    for delivery_id, endpoint_id in due:
        if taken[endpoint_id] < PER_ENDPOINT and len(chosen) < SEND_AT_MOST:
            taken[endpoint_id] += 1
            chosen.append(delivery_id)
    if not chosen:
        return []
    leased = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id.in_(chosen),
            and_(WebhookDelivery.state == PENDING, WebhookDelivery.next_attempt_at <= now),
        )
        .values(next_attempt_at=now + lease, updated_at=now)
        .returning(WebhookDelivery.id, WebhookDelivery.attempts)
    ).all()
    return sorted(Send(delivery_id, attempts) for delivery_id, attempts in leased)
