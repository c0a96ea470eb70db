"""The ingredient lots on record and the ingredients a lot may be received for, as the
administrator's lots page shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.models import Ingredient, Lot


@dataclass(frozen=True)
class LotOnRecord:
    id: int
    ingredient_code: str
    ingredient_name: str
    unit: str  # the ingredient's: mg, mL or each
    lot_number: str
    vendor: str
    received_on: date
    expires_on: date
    quantity_on_hand: Decimal
    quarantined: bool
    # From the certificate of analysis, for the active ingredient only.
    form: str | None
    molecular_weight: Decimal | None
    assay_percent: Decimal | None


@dataclass(frozen=True)
class IngredientChoice:
    code: str
    name: str
    unit: str


def lots_on_record(session: Session) -> list[LotOnRecord]:
    """Every lot, by ingredient, first-expiring first (the order worksheets take them)."""
    rows = session.execute(
        select(Lot, Ingredient).join(Ingredient).order_by(Ingredient.code, Lot.expires_on)
    )
    return [
        LotOnRecord(
            id=lot.id,
            ingredient_code=ingredient.code,
            ingredient_name=ingredient.name,
            unit=ingredient.unit,
            lot_number=lot.lot_number,
            vendor=lot.vendor,
            received_on=lot.received_on,
            expires_on=lot.expires_on,
            quantity_on_hand=lot.quantity_on_hand,
            quarantined=lot.quarantined,
            form=lot.form,
            molecular_weight=lot.molecular_weight,
            assay_percent=lot.assay_percent,
        )
        for lot, ingredient in rows
    ]


def ingredients(session: Session) -> list[IngredientChoice]:
    return [
        IngredientChoice(ingredient.code, ingredient.name, ingredient.unit)
        for ingredient in session.scalars(select(Ingredient).order_by(Ingredient.code))
    ]
