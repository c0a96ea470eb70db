"""One order as the pharmacy staff see it: everything about it in one read, audited.

The order page shows the prescription as sent, the screening alerts, the worksheet,
the compounding record, the price, the order's audit trail, and its course: every fill
the prescription spans, the fills made so far, the refills left and when the next may
start. Reading it is access to patient data, so the read itself is an audit event,
written before the page is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from pharmacy.domain.drug_lexicon import Reading
from pharmacy.domain.labeling import directions_lines
from pharmacy.domain.prescription import DirectionStep
from pharmacy.domain.refills import (
    DEFAULT_TOO_SOON_PERCENT,
    course_fills,
    earliest_refill,
    expires_on,
    fill_steps,
    refill_line,
)
from pharmacy.domain.screening import read_lists
from pharmacy.domain.workflow import OPEN, Status
from pharmacy.models import (
    AuditEvent,
    CompoundingRecord,
    MasterFormulationRecord,
    Prescription,
    PriceList,
    Setting,
    User,
    in_current_fill,
)
from pharmacy.services import Actor, NotFound
from pharmacy.services.intake.refills import TOO_SOON_SETTING
from pharmacy.services.reads.fills import FillShown, fill_name, fill_shown
from pharmacy.services.reads.versions import VersionShown, versions_of
from pharmacy.services.records import trail
from pharmacy.services.reference import drug_data
from pharmacy.services.unit_of_work import unit_of_work
from pharmacy.services.worker.outcome import lists_of


@dataclass(frozen=True)
class CoursePart:
    """One fill's share of the prescription's course: which refill takes it and its
    doses. The part after the course (`maintenance`) is its last dose, for every
    refill from `refill` on."""

    refill: int  # 0: the original fill
    name: str  # "Original fill", "Refill 1 of 2", "Refills 2 to 5 of 5"
    steps: tuple[DirectionStep, ...]
    directions: tuple[str, ...]  # as the label prints them
    maintenance: bool
    fills: tuple[int, ...]  # the numbers of the fills made of it so far


@dataclass(frozen=True)
class NextFill:
    """The refill that comes next: its doses, and the first day it is not too soon
    (None while the fill in progress is not yet dispensed)."""

    refill: int
    name: str
    steps: tuple[DirectionStep, ...]
    directions: tuple[str, ...]
    earliest_on: date | None


@dataclass(frozen=True)
class Course:
    parts: tuple[CoursePart, ...]
    fills: tuple[FillShown, ...]
    refills: int
    refills_remaining: int
    expires_on: date
    expired: bool
    auto_refill: bool
    next_fill: NextFill | None
    # Why no refill comes next: stopped, none left, or expired.
    no_next_fill: str | None


@dataclass(frozen=True)
class OrderView:
    prescription: Prescription
    record: CompoundingRecord | None
    formula: MasterFormulationRecord | None
    price_list: PriceList | None
    events: Sequence[AuditEvent]
    users: dict[int, User]  # who compounded and verified, by id
    # What the screen recognised in each line of the order's lists, read with the drug
    # data it was screened with (the newest, before it is screened).
    readings: dict[str, list[Reading]]
    drug_data_version: int
    course: Course
    versions: tuple[VersionShown, ...] = ()

    @property
    def compounded_by(self) -> int | None:
        return self.record.compounded_by if self.record else None


def load(session: Session, rx_number: int) -> Prescription:
    prescription = session.scalar(
        select(Prescription)
        .where(Prescription.id == rx_number)
        .options(
            joinedload(Prescription.patient),
            joinedload(Prescription.clinic),
            joinedload(Prescription.prescriber),
            joinedload(Prescription.worksheet),
            selectinload(Prescription.steps),
            selectinload(Prescription.fills),
            selectinload(Prescription.alerts),
            selectinload(Prescription.price_lines),
            selectinload(Prescription.status_history),
            selectinload(Prescription.clarifications),
            selectinload(Prescription.shipments),
        )
    )
    if prescription is None:
        raise NotFound(f"there is no Rx {rx_number}")
    return prescription


def view_order(
    session: Session,
    rx_number: int,
    *,
    actor: Actor,
    request_id: str | None = None,
    today: date | None = None,
) -> OrderView:
    """The order as the staff see it; `today` (the pharmacy's day) says whether the
    prescription has expired."""
    prescription = load(session, rx_number)
    record = session.scalar(
        select(CompoundingRecord).where(in_current_fill(CompoundingRecord, rx_number))
    )
    people = {record.compounded_by, record.verified_by} - {None} if record else set()
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(people)))}
    worksheet = prescription.worksheet
    formula = session.get(MasterFormulationRecord, worksheet.mfr_id) if worksheet else None
    price_list = (
        session.get(PriceList, prescription.price_list_id) if prescription.price_list_id else None
    )
    with unit_of_work(session):  # the read is recorded before anything is shown
        trail.record(
            session,
            actor,
            "prescription.viewed",
            prescription_id=prescription.id,
            request_id=request_id,
        )
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.prescription_id == rx_number).order_by(AuditEvent.id)
    ).all()
    version = prescription.drug_data_version or drug_data.current(session)[0]
    lexicon = drug_data.of_version(session, version)
    readings = read_lists(lists_of(prescription), lexicon)
    course = course_of(prescription, today=today, too_soon_percent=_too_soon_percent(session))
    return OrderView(
        prescription,
        record,
        formula,
        price_list,
        events,
        users,
        readings,
        version,
        course,
        versions_of(session, prescription.id),
    )


def course_of(prescription: Prescription, *, today: date | None, too_soon_percent: int) -> Course:
    """The prescription's course, fill by fill (`domain.refills.fill_steps`), the fills
    made so far, and what comes next."""
    course = tuple(DirectionStep(s.dose_mg, s.days) for s in prescription.steps)
    fills = tuple(fill_shown(prescription, fill) for fill in prescription.fills) or (
        fill_shown(prescription, None),
    )
    expiry = expires_on(prescription.written_on)
    expired = today is not None and today > expiry
    next_fill, no_next_fill = _next_fill(prescription, course, fills, too_soon_percent)
    if next_fill is not None and expired:
        next_fill = None
        no_next_fill = f"it expired on {expiry.isoformat()}: ask the prescriber for a renewal"
    return Course(
        parts=_parts(prescription, course, fills),
        fills=fills,
        refills=prescription.refills,
        refills_remaining=prescription.refills_remaining,
        expires_on=expiry,
        expired=expired,
        auto_refill=prescription.auto_refill,
        next_fill=next_fill,
        no_next_fill=no_next_fill,
    )


def _directions(prescription: Prescription, steps: Sequence[DirectionStep]) -> tuple[str, ...]:
    return tuple(
        directions_lines(
            prescription.dosage_form, prescription.strength_mg, steps, prescription.times_per_day
        )
    )


def _parts(
    prescription: Prescription, course: tuple[DirectionStep, ...], fills: tuple[FillShown, ...]
) -> tuple[CoursePart, ...]:
    """One part for each fill the course spans, then its maintenance: the last dose,
    for the refills after it (or, when the course uses them all, what a renewal would
    continue at)."""
    days_supply, refills = prescription.days_supply, prescription.refills
    spans = course_fills(course, days_supply)
    parts = []
    for refill in range(spans + 1):
        maintenance = refill == spans
        if not maintenance:
            name = fill_name(refill, refills)
        elif refill < refills:
            name = f"Refills {refill} to {refills} of {refills}"
        elif refill == refills:
            name = refill_line(refill, refills)
        else:
            name = "After the last refill (a renewal)"
        steps = fill_steps(course, days_supply, refill)
        made = tuple(
            f.number for f in fills if f.refill == refill or (maintenance and f.refill > refill)
        )
        parts.append(
            CoursePart(refill, name, steps, _directions(prescription, steps), maintenance, made)
        )
    return tuple(parts)


def _next_fill(
    prescription: Prescription,
    course: tuple[DirectionStep, ...],
    fills: tuple[FillShown, ...],
    too_soon_percent: int,
) -> tuple[NextFill | None, str | None]:
    """The refill after the fill on the prescription's row, or why there is none.

    A cancelled refill used none of the refills: the next is the same refill again, and
    its earliest day counts from the last fill dispensed. A fill still in progress is
    followed by the next refill, from a day known once it is dispensed."""
    status = Status(prescription.status)
    current = prescription.current_refill
    if status is Status.REJECTED:
        return None, "its last fill was rejected: ask the prescriber for a new prescription"
    if status is Status.CANCELLED and current == 0:
        return None, "it was stopped (its original fill was cancelled)"
    refill = current if status is Status.CANCELLED else current + 1
    spent = status not in OPEN and prescription.refills_remaining <= 0
    if refill > prescription.refills or spent:
        return None, "no refills are left: ask the prescriber for a renewal"
    earliest = None
    if status not in OPEN:
        dispensed = [f.dispensed_on for f in fills if f.dispensed_on is not None]
        if dispensed:
            earliest = earliest_refill(dispensed[-1], prescription.days_supply, too_soon_percent)
    steps = fill_steps(course, prescription.days_supply, refill)
    name = fill_name(refill, prescription.refills)
    return NextFill(refill, name, steps, _directions(prescription, steps), earliest), None


def _too_soon_percent(session: Session) -> int:
    """The pharmacy's setting: how much of the last fill's days pass before a refill."""
    value = session.scalar(select(Setting.value).where(Setting.key == TOO_SOON_SETTING))
    return DEFAULT_TOO_SOON_PERCENT if value is None else int(value)
