"""What the pharmacy compounds from: formulas, ingredients, lots, prices, settings.

Formulas and price lists are versioned rows, never edited in place, so every order
can show the exact version it was made and priced with.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow


class MasterFormulationRecord(Base):
    __tablename__ = "master_formulation_records"
    __table_args__ = (UniqueConstraint("dosage_form", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dosage_form: Mapped[str] = mapped_column(String(20))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    formula: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Ingredient(Base):
    __tablename__ = "ingredients"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # api | filler | vehicle | capsule | container
    unit: Mapped[str] = mapped_column(String(10))  # mg | mL | each
    # Below this much usable stock (all lots, in `unit`) the stock digest asks for an order.
    reorder_point: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))

    lots: Mapped[list[Lot]] = relationship(back_populates="ingredient")


class Lot(Base):
    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("ingredient_id", "lot_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ingredient_id: Mapped[int] = mapped_column(ForeignKey("ingredients.id"))
    lot_number: Mapped[str] = mapped_column(String(60))
    vendor: Mapped[str] = mapped_column(String(200))
    expires_on: Mapped[date]
    received_on: Mapped[date]
    # For the active ingredient: the salt form on the label and its purity.
    form: Mapped[str | None] = mapped_column(String(60))
    molecular_weight: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    assay_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    # The water content (Karl Fischer or loss on drying) and what the assay is of: the
    # powder as it is, or the substance free of water (anhydrous, dried); the weight to
    # weigh corrects for both (`domain.compounding.lots.api_factor`).
    water_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    assay_basis: Mapped[str] = mapped_column(String(10), default="as_is", server_default="as_is")
    coa_number: Mapped[str | None] = mapped_column(String(60))  # the certificate of analysis
    quantity_on_hand: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    quarantined: Mapped[bool] = mapped_column(default=False)

    ingredient: Mapped[Ingredient] = relationship(back_populates="lots")


class PriceList(Base):
    __tablename__ = "price_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    prices: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
