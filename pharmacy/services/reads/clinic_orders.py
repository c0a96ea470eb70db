"""A clinic's own prescriptions, as the clinic sees them through the API.

Reading patient data is access to it, so each read writes its audit event. A clinic
only ever finds its own orders: another clinic's is simply not found.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from pharmacy.domain import prescription as rx
from pharmacy.domain.refills import expires_on
from pharmacy.domain.workflow import Status
from pharmacy.models import Clarification, Prescription, PrescriptionVersion
from pharmacy.services import Actor, NotFound
from pharmacy.services.reads.fills import FillShown, fill_name, fill_shown
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

# What a clinic sees with each prescription, loaded in one query per collection.
SHOWN_WITH = (
    selectinload(Prescription.steps),
    selectinload(Prescription.fills),
    selectinload(Prescription.alerts),
    selectinload(Prescription.price_lines),
    selectinload(Prescription.renews).load_only(Prescription.uid),
    selectinload(Prescription.clarifications),
    selectinload(Prescription.shipments),
    selectinload(Prescription.versions).load_only(PrescriptionVersion.number),
)


@dataclass(frozen=True)
class Step:
    dose_mg: Decimal
    days: int | None


@dataclass(frozen=True)
class PriceLine:
    label: str
    amount: Decimal


@dataclass(frozen=True)
class Alert:
    code: str
    severity: str
    detail: str
    resolution: str | None


@dataclass(frozen=True)
class Question:
    question: str
    asked_at: datetime
    state: str  # asked | answered
    answer: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class ClinicOrder:
    """One prescription as its clinic is shown it: what it sent, and what the pharmacy
    has made of it so far."""

    uid: uuid.UUID
    rx_number: str
    status: str
    as_sent: dict[str, Any]
    dosage_form: str
    strength_mg: Decimal
    times_per_day: int
    steps: Sequence[Step]
    days_supply: int
    refills: int
    written_on: date
    diagnosis: str | None
    notes: str | None
    created_at: datetime
    updated_at: datetime
    quantity: Decimal | None = None
    quantity_unit: str | None = None
    beyond_use_date: date | None = None
    price_total: Decimal | None = None
    price_lines: Sequence[PriceLine] = ()
    alerts: Sequence[Alert] = ()
    refills_remaining: int = 0
    auto_refill: bool = False
    fills: Sequence[FillShown] = ()
    renews: uuid.UUID | None = None
    version: int = 1
    question: Question | None = None

    @property
    def expires_on(self) -> date:
        return expires_on(self.written_on)

    @classmethod
    def of(cls, p: Prescription) -> ClinicOrder:
        return cls(
            uid=p.uid,
            rx_number=p.rx_number,
            status=str(p.status),
            as_sent=p.as_sent,
            dosage_form=str(p.dosage_form),
            strength_mg=p.strength_mg,
            times_per_day=p.times_per_day,
            steps=tuple(Step(s.dose_mg, s.days) for s in p.steps),
            days_supply=p.days_supply,
            refills=p.refills,
            written_on=p.written_on,
            diagnosis=p.diagnosis,
            notes=p.notes,
            created_at=p.created_at,
            updated_at=p.updated_at,
            quantity=p.quantity,
            quantity_unit=p.quantity_unit,
            beyond_use_date=p.beyond_use_date,
            price_total=p.price_total,
            price_lines=tuple(PriceLine(line.label, line.amount) for line in p.price_lines),
            alerts=tuple(Alert(a.code, a.severity, a.detail, a.resolution) for a in p.alerts),
            refills_remaining=p.refills_remaining,
            auto_refill=p.auto_refill,
            fills=tuple(fill_shown(p, fill) for fill in p.fills),
            renews=p.renews.uid if p.renews is not None else None,
            version=p.version,
            question=_question(p.question),
        )

    @classmethod
    def just_received(
        cls,
        prescription_id: int,
        uid: uuid.UUID,
        order: rx.PrescriptionOrder,
        columns: dict[str, Any],
        at: datetime,
    ) -> ClinicOrder:
        """An order just written, from what was written (`columns`: the prescription's
        own), not read back: nothing is worked out for it yet."""
        steps = tuple(Step(step.dose_mg, step.days) for step in order.directions.steps)
        first = FillShown(
            number=0,
            refill=0,
            name=fill_name(0, order.refills),
            status=columns["status"],
            quantity=None,
            quantity_unit=None,
            beyond_use_date=None,
            dispensed_on=None,
            price_total=None,
            requested_via="original",
            requested_by=None,
            current=True,
        )
        return cls(
            uid=uid,
            rx_number=str(prescription_id),
            steps=steps,
            created_at=at,
            updated_at=at,
            refills_remaining=order.refills,
            fills=(first,),
            **columns,
        )


def _question(asked: Clarification | None) -> Question | None:
    if asked is None:
        return None
    return Question(asked.question, asked.asked_at, asked.state, asked.answer, asked.answered_at)


def for_clinic(session: Session, clinic_id: int, uid: uuid.UUID) -> ClinicOrder:
    """One of the clinic's own prescriptions; another clinic's is simply not found."""
    prescription = session.scalar(
        select(Prescription)
        .where(Prescription.uid == uid, Prescription.clinic_id == clinic_id)
        .options(*SHOWN_WITH)
    )
    if prescription is None:
        raise NotFound("no such prescription for this clinic")
    return ClinicOrder.of(prescription)


def view(
    session: Session, clinic_id: int, uid: uuid.UUID, *, actor: Actor, request_id: str | None
) -> ClinicOrder:
    """One prescription, read by a clinic: reading patient data is audited too."""
    with unit_of_work(session):
        shown = for_clinic(session, clinic_id, uid)
        trail.record(
            session,
            actor,
            "prescription.viewed",
            prescription_id=int(shown.rx_number),
            request_id=request_id,
        )
    return shown


@dataclass(frozen=True)
class Page:
    items: Sequence[ClinicOrder]
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
    with unit_of_work(session):
        total = session.scalar(select(func.count()).select_from(Prescription).where(*where))
        rows = session.scalars(
            select(Prescription)
            .where(*where)
            .order_by(Prescription.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
            .options(*SHOWN_WITH)
        ).all()
        items = [ClinicOrder.of(p) for p in rows]
        if items:
            trail.record(
                session,
                actor,
                "prescriptions.listed",
                request_id=request_id,
                rx_numbers=[p.rx_number for p in items],
            )
    return Page(items, page, per_page, total or 0)
