"""A prescription, its direction steps, its status history and its alerts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Identity,
    Index,
    Numeric,
    String,
    Text,
    and_,
    false,
    func,
    select,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from .base import Base, utcnow
from .clarifications import Clarification, PrescriptionVersion
from .clinics import Clinic
from .compounding import CompoundingRecord
from .counter import Shipment
from .fills import Fill
from .people import Patient, Prescriber
from .worksheets import PriceLine, Worksheet

RX_NUMBER_START = 1000001


class Prescription(Base):
    """The integer key is the Rx number the pharmacy prints; `uid` is what clinics see,
    so ids cannot be guessed or counted from outside."""

    __tablename__ = "prescriptions"
    __table_args__ = (
        Index("ix_prescriptions_clinic_created", "clinic_id", "created_at"),
        Index("ix_prescriptions_status_id", "status", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Identity(start=RX_NUMBER_START), primary_key=True)
    uid: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    prescriber_id: Mapped[int] = mapped_column(ForeignKey("prescribers.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    dosage_form: Mapped[str] = mapped_column(String(20))
    strength_mg: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    times_per_day: Mapped[int]
    days_supply: Mapped[int]
    refills: Mapped[int]
    written_on: Mapped[date]
    diagnosis: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
    # The order as the clinic sent it: the legal record of what was received. A
    # prescriber's answer that changed it leaves its latest version here; every version
    # is kept in `prescription_versions`.
    as_sent: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The lists this order is screened on: those sent with it, or, for a list it left
    # out (named in `lists_on_record`), the patient's list on record when it came. A
    # later order never changes them.
    allergies: Mapped[list[str]] = mapped_column(JSON, default=list)
    medications: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    lists_on_record: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The drug data it was screened with (`DrugDataVersion`), None until screened.
    drug_data_version: Mapped[int | None] = mapped_column(ForeignKey("drug_data_versions.id"))
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    quantity_unit: Mapped[str | None] = mapped_column(String(10))
    beyond_use_date: Mapped[date | None]
    price_total: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    price_list_id: Mapped[int | None] = mapped_column(ForeignKey("price_lists.id"))
    # The fill in progress, or the last one made: its number, and which refill it is
    # (0: the original). Refills left go down when a refill is dispensed.
    current_fill: Mapped[int] = mapped_column(server_default="0")
    current_refill: Mapped[int] = mapped_column(server_default="0")
    refills_remaining: Mapped[int]
    # A fill split at its beyond-use date is made in parts: the part in progress covers
    # days [fill_first_day, fill_first_day + fill_days) of its refill's days supply
    # (fill_days None: to the end). The rest is owed as the next fill, of the same refill.
    fill_first_day: Mapped[int] = mapped_column(server_default="0")
    fill_days: Mapped[int | None]
    auto_refill: Mapped[bool] = mapped_column(server_default=false())
    # The prescription this one renews, as the clinic said when it sent it.
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("prescriptions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    clinic: Mapped[Clinic] = relationship()
    prescriber: Mapped[Prescriber] = relationship()
    patient: Mapped[Patient] = relationship()
    steps: Mapped[list[DirectionStep]] = relationship(
        order_by="DirectionStep.position", cascade="all, delete-orphan"
    )
    status_history: Mapped[list[StatusChange]] = relationship(
        order_by="StatusChange.id", cascade="all, delete-orphan"
    )
    fills: Mapped[list[Fill]] = relationship(order_by="Fill.number", viewonly=True)
    # Fills mailed to the patient (one shipment per shipped fill).
    shipments: Mapped[list[Shipment]] = relationship(order_by="Shipment.id", viewonly=True)
    # The pharmacist's questions to the prescriber, and the versions answers made.
    clarifications: Mapped[list[Clarification]] = relationship(
        order_by="Clarification.id", viewonly=True
    )
    versions: Mapped[list[PrescriptionVersion]] = relationship(
        order_by="PrescriptionVersion.number", viewonly=True
    )
    renews: Mapped[Prescription | None] = relationship(
        remote_side="Prescription.id", foreign_keys="Prescription.renews_id", viewonly=True
    )
    # The fill in progress: its alerts, price, worksheet and compounding record. Those
    # of earlier fills stay in their tables, under their fill's number.
    alerts: Mapped[list[Alert]] = relationship(
        primaryjoin=lambda: _of_current_fill(Alert), order_by="Alert.id", viewonly=True
    )
    price_lines: Mapped[list[PriceLine]] = relationship(
        primaryjoin=lambda: _of_current_fill(PriceLine),
        order_by="PriceLine.position",
        viewonly=True,
    )
    worksheet: Mapped[Worksheet | None] = relationship(
        primaryjoin=lambda: _of_current_fill(Worksheet), viewonly=True
    )
    compounding_record: Mapped[CompoundingRecord | None] = relationship(
        primaryjoin=lambda: _of_current_fill(CompoundingRecord), viewonly=True
    )

    @property
    def rx_number(self) -> str:
        return str(self.id)

    @hybrid_property
    def part_days(self) -> int:
        """The days the fill in progress covers: its part, or the whole days supply."""
        if self.fill_days is not None:
            return self.fill_days
        return self.days_supply - self.fill_first_day

    @part_days.inplace.expression
    @classmethod
    def _part_days(cls):
        return func.coalesce(cls.fill_days, cls.days_supply - cls.fill_first_day)

    @property
    def balance_days(self) -> int:
        """The days of the refill still owed after the part in progress."""
        return self.days_supply - self.fill_first_day - self.part_days

    @property
    def version(self) -> int:
        """The version in force: 1 until an answer changed it (loads `versions`)."""
        return self.versions[-1].number if self.versions else 1

    @property
    def question(self) -> Clarification | None:
        """The latest question to the prescriber (loads `clarifications`)."""
        return self.clarifications[-1] if self.clarifications else None


def in_current_fill(record, prescription_id):
    """A condition on a fill's record (worksheet, alert, price line, compounding record):
    of this prescription's fill in progress (or last made)."""
    current = select(Prescription.current_fill).where(Prescription.id == prescription_id)
    return and_(
        record.prescription_id == prescription_id,
        record.fill_number == current.scalar_subquery(),
    )


def _of_current_fill(record):
    return and_(
        foreign(record.prescription_id) == Prescription.id,
        record.fill_number == Prescription.current_fill,
    )


class DirectionStep(Base):
    __tablename__ = "direction_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"), index=True)
    position: Mapped[int]
    dose_mg: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    days: Mapped[int]


class StatusChange(Base):
    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"), index=True)
    fill_number: Mapped[int] = mapped_column(server_default="0")
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Alert(Base):
    """A screening finding; a hard stop holds the order until a pharmacist resolves it."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"), index=True)
    fill_number: Mapped[int] = mapped_column(server_default="0")
    code: Mapped[str] = mapped_column(String(50))
    severity: Mapped[str] = mapped_column(String(20))  # hard_stop | caution | info
    detail: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolution: Mapped[str | None] = mapped_column(String(20))  # overridden | rejected | split
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    resolved_reason: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
