"""The compounding record of an order (USP <795>): what was made, from which lots, by
whom, how its quality check came out, and who verified it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .staff import User


class CompoundingRecord(Base):
    """One per fill. The worksheet it was made from is referenced, not copied: worksheets
    are written once and never edited. `components` lists each lot taken from (ingredient
    code, lot id and number, vendor, expiry, amount, unit); `qc` the check as computed."""

    __tablename__ = "compounding_records"
    __table_args__ = (UniqueConstraint("prescription_id", "fill_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"))
    fill_number: Mapped[int] = mapped_column(server_default="0")
    worksheet_id: Mapped[int] = mapped_column(ForeignKey("worksheets.id"))
    mfr_id: Mapped[int] = mapped_column(ForeignKey("master_formulation_records.id"))
    compounded_on: Mapped[date]  # the pharmacy's day
    compounded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    compounded_at: Mapped[datetime] = mapped_column(default=utcnow)
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    quantity_made: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    quantity_unit: Mapped[str] = mapped_column(String(10))  # capsule | mL
    qc: Mapped[dict[str, Any]] = mapped_column(JSON)
    qc_passed: Mapped[bool]
    deviations: Mapped[str] = mapped_column(Text, default="")
    # Each step of the MFR's procedure as ticked at the bench: the step's words, and who
    # ticked it and when (empty before the MFR had a procedure).
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]

    compounder: Mapped[User] = relationship(foreign_keys=[compounded_by])
    verifier: Mapped[User | None] = relationship(foreign_keys=[verified_by])
