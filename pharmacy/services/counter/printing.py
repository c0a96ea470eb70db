"""Gathering what a label or a receipt prints, from a worked order.

Only an order that has been worked (ready or later) has the quantity, beyond-use date
and price a label or receipt needs; anything earlier, held or closed is refused with
the reason. Each print is an audit event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pharmacy.domain.labeling import (
    LabelFacts,
    PharmacyDetails,
    ReceiptFacts,
    ReceiptLine,
    drug_description,
    quantity_text,
)
from pharmacy.domain.prescription import DirectionStep, DosageForm
from pharmacy.domain.workflow import Status
from pharmacy.models import CompoundingRecord, Prescription, StatusChange, User
from pharmacy.services import Actor, Conflict, NotFound
from pharmacy.services.records import trail

PRINTABLE = (Status.READY, Status.COMPOUNDED, Status.VERIFIED, Status.DISPENSED)
INITIAL_BY_HAND = "____"  # the verifying pharmacist initials the label by hand


def pharmacy_details(config: Mapping[str, object]) -> PharmacyDetails:
    return PharmacyDetails(
        str(config["PHARMACY_NAME"]),
        str(config["PHARMACY_ADDRESS"]),
        str(config["PHARMACY_PHONE"]),
    )


def printable(session: Session, rx_number: str) -> Prescription:
    """The worked order with this Rx number, or a refusal that says why not."""
    if not rx_number.isascii() or not rx_number.isdigit():
        raise NotFound(f"Rx {rx_number!r} is not an Rx number")
    prescription = session.scalar(
        select(Prescription)
        .where(Prescription.id == int(rx_number))
        .options(
            selectinload(Prescription.steps),
            selectinload(Prescription.price_lines),
            selectinload(Prescription.worksheet),
        )
    )
    if prescription is None:
        raise NotFound(f"there is no Rx {rx_number}")
    if prescription.status not in PRINTABLE:
        reasons = {
            Status.RECEIVED: "it has not been worked yet (no worksheet, BUD or price)",
            Status.ON_HOLD: "it is on hold until a pharmacist resolves its alerts",
        }
        why = reasons.get(Status(prescription.status), f"it is {prescription.status}")
        raise Conflict("not_printable", f"Rx {rx_number} cannot be printed: {why}")
    return prescription


def verifier(session: Session, rx_number: int) -> User | None:
    """The pharmacist who verified the order, whose initials its label carries."""
    verified_by = session.scalar(
        select(CompoundingRecord.verified_by).where(CompoundingRecord.prescription_id == rx_number)
    )
    return session.get(User, verified_by) if verified_by is not None else None


def label_facts(
    prescription: Prescription,
    config: Mapping[str, object],
    filled_on: date,
    pharmacist: User | None = None,
) -> LabelFacts:
    sent = prescription.as_sent
    worksheet = prescription.worksheet.data if prescription.worksheet else {}
    prescriber = sent["prescriber"]
    return LabelFacts(
        rx_number=prescription.rx_number,
        patient_name=_patient_name(prescription),
        dosage_form=prescription.dosage_form,
        strength_mg=prescription.strength_mg,
        steps=tuple(DirectionStep(s.dose_mg, s.days) for s in prescription.steps),
        times_per_day=prescription.times_per_day,
        quantity=prescription.quantity,
        refills_left=prescription.refills,
        filled_on=filled_on,
        use_by=prescription.beyond_use_date,
        storage=worksheet.get("storage", ""),
        auxiliary=tuple(worksheet.get("auxiliary", ())),
        prescriber_name=f"{prescriber['first_name']} {prescriber['last_name']}",
        pharmacist_initials=(pharmacist.initials if pharmacist else "") or INITIAL_BY_HAND,
        pharmacy=pharmacy_details(config),
    )


def receipt_facts(
    prescription: Prescription, config: Mapping[str, object], on: date
) -> ReceiptFacts:
    paid = prescription.status == Status.DISPENSED
    return ReceiptFacts(
        pharmacy=pharmacy_details(config),
        patient_name=_patient_name(prescription),
        rx_number=prescription.rx_number,
        date=on,
        lines=tuple(ReceiptLine(line.label, line.amount) for line in prescription.price_lines),
        total=prescription.price_total,
        payment="Paid at pickup" if paid else "Due at pickup",
        item=f"{_drug(prescription)}, {_quantity(prescription)}",
    )


def ready_on(session: Session, day: date, timezone: str) -> Sequence[Prescription]:
    """Orders still ready that became ready on `day` (the pharmacy's day), in queue order."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), zone)
    became_ready = select(StatusChange.prescription_id).where(
        StatusChange.to_status == Status.READY,
        StatusChange.at >= start,
        StatusChange.at < start + timedelta(days=1),
    )
    return session.scalars(
        select(Prescription)
        .where(Prescription.status == Status.READY, Prescription.id.in_(became_ready))
        .order_by(Prescription.id)
        .options(selectinload(Prescription.steps), selectinload(Prescription.worksheet))
    ).all()


def record_print(
    session: Session, actor: Actor, what: str, prescriptions: Sequence[Prescription], **detail
) -> None:
    for prescription in prescriptions:
        trail.record(session, actor, f"{what}.printed", prescription_id=prescription.id, **detail)
    session.commit()


def _patient_name(prescription: Prescription) -> str:
    patient = prescription.as_sent["patient"]
    return f"{patient['first_name']} {patient['last_name']}"


def _drug(prescription: Prescription) -> str:
    return drug_description(prescription.dosage_form, prescription.strength_mg)


def _quantity(prescription: Prescription) -> str:
    return quantity_text(prescription.quantity, DosageForm(prescription.dosage_form).unit)
