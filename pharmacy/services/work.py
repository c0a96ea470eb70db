"""Working a received prescription: screen it, compute its worksheet, BUD and price.

Everything the rules need comes from the database (formula, lots, settings, price
list), so the pharmacy changes its defaults as data. The work is idempotent: it locks
the order and only works one still `received`, so a task delivered twice leaves one
worksheet, one price and one set of alerts.
"""

from __future__ import annotations

import dataclasses
import enum
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, joinedload

from pharmacy.domain import prescription as rx
from pharmacy.domain.compounding import LotStock, compute_worksheet
from pharmacy.domain.pricing import price_worksheet
from pharmacy.domain.screening import Finding, Severity, screen
from pharmacy.domain.workflow import Status
from pharmacy.models import (
    Alert,
    Ingredient,
    Lot,
    Prescription,
    PriceLine,
    StatusChange,
    Worksheet,
    utcnow,
)

from . import SYSTEM, audit, outbox, reference

ACTIVE = (Status.RECEIVED, Status.READY, Status.ON_HOLD, Status.COMPOUNDED, Status.VERIFIED)


def work_prescription(
    session: Session,
    prescription_id: int,
    *,
    today: date,
    message_uid: uuid.UUID | None = None,
    request_id: str | None = None,
) -> str | None:
    """Work one order; returns its new status, or None when there was nothing to do."""
    prescription = (
        session.scalars(
            select(Prescription)
            .where(Prescription.id == prescription_id)
            .options(joinedload(Prescription.patient), joinedload(Prescription.steps))
            .with_for_update(of=Prescription)
        )
        .unique()
        .first()
    )
    if prescription is None or prescription.status != Status.RECEIVED:
        _done(session, message_uid)
        session.commit()
        return None
    patient = prescription.patient
    findings = screen(
        [rx.MedicationInUse(m["name"], m.get("rxnorm")) for m in patient.medications],
        patient.allergies,
        patient.conditions,
        other_active_ldn_orders=_other_active_orders(session, prescription),
    )
    data = reference.current(session)
    mfr_id, formula = reference.formula_for(data, prescription.dosage_form)
    worksheet = compute_worksheet(
        _order(prescription), formula, shelf(session), data.settings, today
    )
    price = price_worksheet(worksheet, data.prices, data.price_list_version, data.ingredient_names)
    findings = [*findings, *worksheet.findings]
    new_status = (
        Status.ON_HOLD if any(f.severity is Severity.HARD_STOP for f in findings) else Status.READY
    )
    # Plain inserts, not ORM objects: the worker writes these rows and never reads them.
    session.execute(
        insert(Worksheet),
        [
            {
                "prescription_id": prescription.id,
                "mfr_id": mfr_id,
                "data": plain(worksheet),
                "created_at": utcnow(),
            }
        ],
    )
    session.execute(
        insert(PriceLine),
        [
            {
                "prescription_id": prescription.id,
                "position": i,
                "label": line.label,
                "amount": line.amount,
                "basis": line.basis,
            }
            for i, line in enumerate(price.lines)
        ],
    )
    if findings:
        session.execute(insert(Alert), [_alert(prescription.id, f) for f in findings])
    prescription.quantity = worksheet.quantity
    prescription.quantity_unit = worksheet.unit
    prescription.beyond_use_date = worksheet.beyond_use.date
    prescription.price_total = price.total
    prescription.price_list_id = data.price_list_id
    _move(session, prescription, new_status, request_id, alerts=[f.code for f in findings])
    _done(session, message_uid)
    session.commit()
    return new_status


def hold_for_error(
    session: Session,
    prescription_id: int,
    error: str,
    *,
    message_uid: uuid.UUID | None = None,
    request_id: str | None = None,
) -> None:
    """An order the worker cannot work goes on hold where a pharmacist sees why,
    instead of being retried for ever."""
    prescription = session.scalar(
        select(Prescription).where(Prescription.id == prescription_id).with_for_update()
    )
    if prescription is not None and prescription.status == Status.RECEIVED:
        finding = Finding(
            "processing_failed",
            Severity.HARD_STOP,
            f"The worksheet could not be computed ({error}). Check the order and the "
            "formula, lots and price list, then work it by hand or reject it.",
        )
        session.execute(insert(Alert), [_alert(prescription.id, finding)])
        _move(session, prescription, Status.ON_HOLD, request_id, alerts=[finding.code])
    _done(session, message_uid)
    session.commit()


def _done(session: Session, message_uid: uuid.UUID | None) -> None:
    if message_uid is not None:
        outbox.mark_processed(session, message_uid)


def _move(session, prescription, status, request_id, **detail) -> None:
    session.add(
        StatusChange(
            prescription_id=prescription.id,
            from_status=prescription.status,
            to_status=status,
            actor=SYSTEM.label,
        )
    )
    audit.record(
        session,
        SYSTEM,
        "prescription.worked",
        prescription_id=prescription.id,
        request_id=request_id,
        from_status=prescription.status,
        to_status=str(status),
        **detail,
    )
    prescription.status = status


def _alert(prescription_id: int, finding: Finding) -> dict[str, Any]:
    return {
        "prescription_id": prescription_id,
        "code": finding.code,
        "severity": str(finding.severity),
        "detail": finding.detail,
        "created_at": utcnow(),
    }


def _order(p: Prescription) -> rx.PrescriptionOrder:
    sent = p.as_sent
    prescriber = sent["prescriber"]
    patient = sent["patient"]
    return rx.PrescriptionOrder(
        prescriber=rx.Prescriber(
            prescriber["npi"],
            prescriber["first_name"],
            prescriber["last_name"],
            prescriber["phone"],
        ),
        patient=rx.Patient(
            patient["first_name"],
            patient["last_name"],
            date.fromisoformat(patient["date_of_birth"]),
        ),
        dosage_form=rx.DosageForm(p.dosage_form),
        strength_mg=p.strength_mg,
        directions=rx.Directions(
            tuple(rx.DirectionStep(s.dose_mg, s.days) for s in p.steps), p.times_per_day
        ),
        written_on=p.written_on,
        days_supply=p.days_supply,
        refills=p.refills,
    )


def _other_active_orders(session: Session, p: Prescription) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Prescription)
            .where(
                Prescription.patient_id == p.patient_id,
                Prescription.id != p.id,
                Prescription.status.in_(ACTIVE),
            )
        )
        or 0
    )


def shelf(session: Session) -> list[LotStock]:
    """Every lot on the shelf, as the rules see them (they pick the usable ones)."""
    rows = session.execute(select(Lot, Ingredient.code).join(Ingredient)).all()
    return [lot_stock(lot, code) for lot, code in rows]


def lot_stock(lot: Lot, code: str) -> LotStock:
    """A lot row as the compounding rules take it."""
    return LotStock(
        lot_id=lot.id,
        ingredient_code=code,
        lot_number=lot.lot_number,
        vendor=lot.vendor,
        expires_on=lot.expires_on,
        quantity_on_hand=lot.quantity_on_hand,
        quarantined=lot.quarantined,
        molecular_weight=lot.molecular_weight,
        assay_percent=lot.assay_percent,
        form=lot.form,
    )


def plain(value: Any) -> Any:
    """A domain result as JSON: Decimals and dates as strings, exactly as computed."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal | date):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
