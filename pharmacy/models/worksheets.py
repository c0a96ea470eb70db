"""What the workers make of a prescription: its worksheet and its price lines."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Worksheet(Base):
    """The compounding worksheet, every number kept as computed, with the MFR version."""

    __tablename__ = "worksheets"
    __table_args__ = (UniqueConstraint("prescription_id", "fill_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"))
    fill_number: Mapped[int] = mapped_column(server_default="0")
    mfr_id: Mapped[int] = mapped_column(ForeignKey("master_formulation_records.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PriceLine(Base):
    __tablename__ = "price_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"), index=True)
    fill_number: Mapped[int] = mapped_column(server_default="0")
    position: Mapped[int]
    label: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    basis: Mapped[str] = mapped_column(String(300), default="")  # how it was reached
