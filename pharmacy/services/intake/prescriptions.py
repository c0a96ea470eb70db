"""Taking in, finding and cancelling prescriptions for a clinic."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from pharmacy.database import alone, find_or_insert
from pharmacy.domain import prescription as rx
from pharmacy.domain.prescription import PrescriptionOrder, prescription_problems
from pharmacy.domain.search import name_key
from pharmacy.domain.workflow import FINAL, Status
from pharmacy.models import (
    DirectionStep,
    IdempotencyKey,
    OutboxMessage,
    Patient,
    Prescriber,
    Prescription,
    StatusChange,
)
from pharmacy.services import Actor, Conflict, Invalid, NotFound, Unauthorized
from pharmacy.services.admin import api_keys
from pharmacy.services.intake import received_rows
from pharmacy.services.intake.received_rows import LISTS, PresentedKey
from pharmacy.services.records import outbox, trail

# A stored Prescription or a JustReceived one, as the clinic sees it.
Render = Callable[[Any], dict[str, Any]]
UNKNOWN_KEY = "the API key is unknown or revoked"
# What a clinic sees with each prescription, loaded in one query per collection.
SHOWN_WITH = (
    selectinload(Prescription.steps),
    selectinload(Prescription.alerts),
    selectinload(Prescription.price_lines),
)


@dataclass(frozen=True)
class Submission:
    prescription_uid: str
    body: dict[str, Any]
    replayed: bool = False
    work: OutboxMessage | None = None  # to publish now that it is committed


@dataclass(frozen=True)
class IdempotencyClaim:
    key: str
    request_hash: str


def submit(
    session: Session,
    clinic: int | PresentedKey,
    order: PrescriptionOrder,
    *,
    as_sent: dict[str, Any],
    actor: Actor | None,
    today: date,
    render: Render,
    idempotency: IdempotencyClaim | None = None,
    request_id: str | None = None,
    sending_now: bool = False,
) -> Submission:
    """Store a new prescription as `received`, with its audit event and outbox row, in
    one transaction, for `clinic`: its id (with the `actor` the trail names), or the
    API key it presented, found by the write itself on PostgreSQL (the trail then names
    the clinic); a key no clinic holds raises Unauthorized, and nothing is written.
    With an idempotency key, a repeat of the same request gets the first answer back
    and makes no second order, however many arrive at once. `sending_now`
    says the caller sends the outbox message itself right after (see `outbox.enqueue`);
    otherwise the sweep sends it."""
    problems = prescription_problems(order, today)
    if problems:
        raise Invalid(problems)
    at_once = session.get_bind().dialect.name == "postgresql"
    if isinstance(clinic, PresentedKey) and (idempotency is not None or not at_once):
        holder = api_keys.clinic_for_hash(session, clinic.key_hash)
        if holder is None:
            session.rollback()  # leave no transaction (SQLite: no lock) behind
            raise Unauthorized(UNKNOWN_KEY)
        clinic, actor = holder.clinic_id, holder.actor
    if idempotency is not None:
        earlier = _claim(session, clinic, idempotency)
        if earlier is not None:
            return earlier
    work = outbox.message(
        outbox.PRESCRIPTION_RECEIVED, {}, request_id=request_id, sending_now=sending_now
    )
    if at_once:
        prescription = _store_at_once(session, clinic, order, as_sent, actor, work)
    else:
        prescription = _store(session, clinic, order, as_sent, actor, work)
    body = render(prescription)
    if idempotency is not None:
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.clinic_id == clinic, IdempotencyKey.key == idempotency.key)
            .values(prescription_id=prescription.id, response_body=body)
        )
    session.commit()
    return Submission(str(prescription.uid), body, work=work)


def _claim(session: Session, clinic_id: int, claim: IdempotencyClaim) -> Submission | None:
    """Take the key for this request, or return the answer already given under it.

    The insert waits for any transaction holding the same key, so by the time it
    reports a clash the other request's order and answer are committed and readable.
    """
    _, stored = find_or_insert(
        session,
        IdempotencyKey.__table__,
        {"clinic_id": clinic_id, "key": claim.key},
        {"request_hash": claim.request_hash},
    )
    if stored is None:
        return None
    earlier = session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.clinic_id == clinic_id, IdempotencyKey.key == claim.key
        )
    )
    session.rollback()
    if earlier is None or earlier.request_hash != claim.request_hash:
        raise Conflict(
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different request body",
        )
    body = earlier.response_body or {}
    return Submission(str(body.get("id", "")), body, replayed=True)


def _store(
    session: Session,
    clinic_id: int,
    order: PrescriptionOrder,
    as_sent: dict[str, Any],
    actor: Actor,
    work: OutboxMessage,
) -> Prescription:
    """The order's rows through the ORM, a statement each (SQLite's way)."""
    prescriber = order.prescriber
    prescriber_id, _ = find_or_insert(
        session,
        Prescriber.__table__,
        {"npi": prescriber.npi},
        {
            "first_name": prescriber.first_name,
            "last_name": prescriber.last_name,
            "phone": prescriber.phone,
            "dea": prescriber.dea,
        },
    )
    prescription = _received(clinic_id, order, as_sent)
    prescription.status_history = [StatusChange(to_status=Status.RECEIVED, actor=actor.label)]
    prescription.prescriber_id = prescriber_id
    prescription.patient_id, lists = _patient(session, clinic_id, order)
    for name, value in lists.items():
        setattr(prescription, name, value)
    prescription.lists_on_record = received_rows.lists_on_record(order)
    session.add(prescription)
    session.flush()
    trail.record(
        session,
        actor,
        received_rows.RECEIVED_ACTION,
        prescription_id=prescription.id,
        request_id=work.request_id,
        rx_number=prescription.rx_number,
    )
    work.payload = {"prescription_id": prescription.id}
    session.add(work)
    return prescription


def _store_at_once(
    session: Session,
    clinic: int | PresentedKey,
    order: PrescriptionOrder,
    as_sent: dict[str, Any],
    actor: Actor | None,
    work: OutboxMessage,
) -> JustReceived:
    """The same rows in one PostgreSQL statement (see `received_rows`), which also
    finds the clinic by its key if need be."""
    uid = uuid.uuid4()

    def write(connection):
        return received_rows.store(
            connection, clinic, order, uid=uid, as_sent=as_sent, actor=actor, message=work
        )

    if session.in_transaction():  # with the idempotency key it claimed
        stored = write(session.connection())
    else:
        with alone(session.get_bind()) as connection:
            stored = write(connection)
    if stored is None:
        session.rollback()
        raise Unauthorized(UNKNOWN_KEY)
    work.payload = {"prescription_id": stored.prescription_id}
    return JustReceived(
        id=stored.prescription_id,
        uid=uid,
        steps=order.directions.steps,
        created_at=stored.created_at,
        updated_at=stored.created_at,
        **received_rows.order_columns(order, as_sent),
    )


def _received(
    clinic_id: int | None, order: PrescriptionOrder, as_sent: dict[str, Any]
) -> Prescription:
    """A new order as it is received, before anything is worked out for it (its
    first status change is the caller's to write)."""
    return Prescription(
        clinic_id=clinic_id,
        steps=[
            DirectionStep(position=index, dose_mg=step.dose_mg, days=step.days)
            for index, step in enumerate(order.directions.steps)
        ],
        alerts=[],
        price_lines=[],
        **received_rows.order_columns(order, as_sent),
    )


@dataclass(frozen=True)
class JustReceived:
    """An order just written, shown as a stored one is (`Render`) from what was
    written, not read back: nothing is worked out for it yet."""

    id: int
    uid: uuid.UUID
    status: str
    dosage_form: str
    strength_mg: Decimal
    times_per_day: int
    steps: Sequence[rx.DirectionStep]  # the order's own: dose and days
    days_supply: int
    refills: int
    written_on: date
    diagnosis: str | None
    notes: str | None
    as_sent: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    quantity: None = None
    quantity_unit: None = None
    beyond_use_date: None = None
    price_total: None = None
    price_lines: tuple = ()
    alerts: tuple = ()

    @property
    def rx_number(self) -> str:
        return str(self.id)


def _patient(session: Session, clinic_id: int, order: PrescriptionOrder) -> tuple[int, dict]:
    """The patient's id, and the lists this order is screened on: those it sent, and
    the patient's on record for those it left out."""
    patient = order.patient
    sent = received_rows.patient_lists(order)
    patient_id, stored = find_or_insert(
        session,
        Patient.__table__,
        {
            "clinic_id": clinic_id,
            "last_name_key": name_key(patient.last_name),
            "first_name_key": name_key(patient.first_name),
            "date_of_birth": patient.date_of_birth,
        },
        {
            "last_name": patient.last_name,
            "first_name": patient.first_name,
            **{
                name: [] if value is None and name in LISTS else value
                for name, value in sent.items()
            },
        },
    )
    if stored is None:
        return patient_id, {name: sent[name] or [] for name in LISTS}
    latest = {name: stored[name] if value is None else value for name, value in sent.items()}
    if any(latest[name] != stored[name] for name in latest):
        # Only a change is written: an unchanged patient takes no row lock, so orders
        # for the same patient never queue behind each other.
        session.execute(update(Patient).where(Patient.id == patient_id).values(**latest))
    return patient_id, {name: latest[name] for name in LISTS}


def view(
    session: Session, clinic_id: int, uid: uuid.UUID, *, actor: Actor, request_id: str | None
) -> Prescription:
    """One prescription, read by a clinic: reading patient data is audited too."""
    prescription = for_clinic(session, clinic_id, uid)
    trail.record(
        session,
        actor,
        "prescription.viewed",
        prescription_id=prescription.id,
        request_id=request_id,
    )
    session.commit()
    return prescription


def for_clinic(session: Session, clinic_id: int, uid: uuid.UUID) -> Prescription:
    """One of the clinic's own prescriptions; another clinic's is simply not found."""
    prescription = session.scalar(
        select(Prescription)
        .where(Prescription.uid == uid, Prescription.clinic_id == clinic_id)
        .options(*SHOWN_WITH)
    )
    if prescription is None:
        raise NotFound("no such prescription for this clinic")
    return prescription


@dataclass(frozen=True)
class Page:
    items: Sequence[Prescription]
    page: int
    per_page: int
    total: int


def list_for_clinic(
    session: Session,
    clinic_id: int,
    *,
    status: Status | None,
    page: int,
    per_page: int,
    actor: Actor,
    request_id: str | None = None,
) -> Page:
    """The clinic's prescriptions, newest first; the listing is audited with what it showed."""
    where = [Prescription.clinic_id == clinic_id]
    if status is not None:
        where.append(Prescription.status == status)
    total = session.scalar(select(func.count()).select_from(Prescription).where(*where)) or 0
    items = session.scalars(
        select(Prescription)
        .where(*where)
        .order_by(Prescription.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
        .options(*SHOWN_WITH)
    ).all()
    if items:
        trail.record(
            session,
            actor,
            "prescriptions.listed",
            request_id=request_id,
            rx_numbers=[p.rx_number for p in items],
        )
        session.commit()
    return Page(items, page, per_page, total)


def cancel(
    session: Session,
    clinic_id: int,
    uid: uuid.UUID,
    *,
    actor: Actor,
    reason: str | None = None,
    request_id: str | None = None,
) -> Prescription:
    """Cancel an order not yet dispensed. Cancelling a cancelled order changes nothing."""
    prescription = session.scalar(
        select(Prescription)
        .where(Prescription.uid == uid, Prescription.clinic_id == clinic_id)
        .with_for_update()
    )
    if prescription is None:
        raise NotFound("no such prescription for this clinic")
    current = Status(prescription.status)
    if current is Status.CANCELLED:
        session.rollback()
        return for_clinic(session, clinic_id, uid)
    if current in FINAL:
        raise Conflict("not_cancellable", f"the prescription is already {current.value}")
    prescription.status = Status.CANCELLED
    session.add(
        StatusChange(
            prescription_id=prescription.id,
            from_status=current,
            to_status=Status.CANCELLED,
            actor=actor.label,
            reason=reason,
        )
    )
    trail.record(
        session,
        actor,
        "prescription.cancelled",
        prescription_id=prescription.id,
        request_id=request_id,
        from_status=current.value,
        reason=reason,
    )
    session.commit()
    return for_clinic(session, clinic_id, uid)
