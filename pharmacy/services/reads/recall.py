"""A lot recall: every fill compounded with a lot, for whom, by whose prescription, and
when it was handed over, so the pharmacy can reach each patient and prescriber.

A fill used a lot when its compounding record names the lot among its components. The
report is patient data: reading it is audited ("lot.recall_viewed"), and so is taking
it away as a CSV or PDF ("lot.recall_exported"), each with the lot's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, cast, exists, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, joinedload

from pharmacy.models import CompoundingRecord, Fill, Ingredient, Lot, Prescription
from pharmacy.services import Actor, NotFound
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work


@dataclass(frozen=True)
class RecalledLot:
    id: int
    ingredient_code: str
    ingredient_name: str
    unit: str
    lot_number: str
    vendor: str
    received_on: date
    expires_on: date
    quantity_on_hand: str
    quarantined: bool


@dataclass(frozen=True)
class RecalledFill:
    rx_number: int
    fill_number: int
    status: str  # the fill's: compounded, verified, dispensed, cancelled...
    patient: str
    date_of_birth: date
    patient_phone: str
    prescriber: str
    prescriber_npi: str
    prescriber_phone: str
    clinic: str
    compounded_on: date
    dispensed_on: date | None
    amount: str  # taken from the lot, with its unit


@dataclass(frozen=True)
class LotRecall:
    lot: RecalledLot
    fills: tuple[RecalledFill, ...]

    @property
    def dispensed(self) -> int:
        return sum(1 for fill in self.fills if fill.dispensed_on is not None)


def lot_recall(
    session: Session,
    lot_id: int,
    *,
    actor: Actor,
    request_id: str | None = None,
    exported_as: str | None = None,
) -> LotRecall:
    """The recall report of a lot; the read (or the export, as `exported_as`: csv or
    pdf) is recorded before anything is returned."""
    row = session.execute(select(Lot, Ingredient).join(Ingredient).where(Lot.id == lot_id)).first()
    if row is None:
        raise NotFound(f"there is no lot {lot_id}")
    lot, ingredient = row
    records = session.execute(
        select(CompoundingRecord, Prescription, Fill)
        .join(Prescription, Prescription.id == CompoundingRecord.prescription_id)
        .outerjoin(
            Fill,
            and_(
                Fill.prescription_id == CompoundingRecord.prescription_id,
                Fill.number == CompoundingRecord.fill_number,
            ),
        )
        .where(_uses_lot(session, lot_id))
        .options(
            joinedload(Prescription.patient),
            joinedload(Prescription.prescriber),
            joinedload(Prescription.clinic),
        )
        .order_by(CompoundingRecord.compounded_on, Prescription.id, CompoundingRecord.fill_number)
    ).all()
    fills = tuple(
        _fill(record, prescription, fill, lot_id) for record, prescription, fill in records
    )
    with unit_of_work(session):
        if exported_as is None:
            trail.record(session, actor, "lot.recall_viewed", request_id=request_id, lot_id=lot_id)
        else:
            trail.record(
                session,
                actor,
                "lot.recall_exported",
                request_id=request_id,
                lot_id=lot_id,
                format=exported_as,
                fills=len(fills),
            )
    shown = RecalledLot(
        id=lot.id,
        ingredient_code=ingredient.code,
        ingredient_name=ingredient.name,
        unit=ingredient.unit,
        lot_number=lot.lot_number,
        vendor=lot.vendor,
        received_on=lot.received_on,
        expires_on=lot.expires_on,
        quantity_on_hand=f"{lot.quantity_on_hand} {ingredient.unit}",
        quarantined=lot.quarantined,
    )
    return LotRecall(shown, fills)


def _uses_lot(session: Session, lot_id: int):
    """The compounding record names the lot among its components (JSON, searched by the
    database: PostgreSQL's containment, SQLite's json_each)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(CompoundingRecord.components, JSONB).contains([{"lot_id": lot_id}])
    component = func.json_each(CompoundingRecord.components).table_valued("value")
    return exists(
        select(1)
        .select_from(component)
        .where(func.json_extract(component.c.value, "$.lot_id") == lot_id)
    )


def _fill(
    record: CompoundingRecord, prescription: Prescription, fill: Fill | None, lot_id: int
) -> RecalledFill:
    current = record.fill_number == prescription.current_fill
    status = prescription.status if current or fill is None else (fill.status or "")
    patient, prescriber = prescription.patient, prescription.prescriber
    used = [c for c in record.components if c.get("lot_id") == lot_id]
    return RecalledFill(
        rx_number=prescription.rx_number,
        fill_number=record.fill_number,
        status=str(status),
        patient=f"{patient.last_name}, {patient.first_name}",
        date_of_birth=patient.date_of_birth,
        patient_phone=patient.phone or "",
        prescriber=f"{prescriber.first_name} {prescriber.last_name}",
        prescriber_npi=prescriber.npi,
        prescriber_phone=prescriber.phone,
        clinic=prescription.clinic.name,
        compounded_on=record.compounded_on,
        dispensed_on=fill.dispensed_on if fill is not None else None,
        amount="; ".join(f"{c['amount']} {c['unit']}" for c in used),
    )
