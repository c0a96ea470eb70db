"""The stock digest: lots expiring within 60 days and ingredients below their reorder
point, as the lots page, the queue and the daily digest event report them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.domain.stock import EXPIRY_WINDOW_DAYS, ShelfLot, below_reorder_point, expiring
from pharmacy.models import Ingredient, Lot


@dataclass(frozen=True)
class ExpiringLot:
    id: int
    ingredient_name: str
    lot_number: str
    expires_on: date
    days_left: int  # negative: expired and still on the shelf
    quantity_on_hand: Decimal
    unit: str


@dataclass(frozen=True)
class LowIngredient:
    code: str
    name: str
    usable: Decimal  # on hand in lots neither expired nor quarantined
    reorder_point: Decimal
    unit: str


@dataclass(frozen=True)
class IngredientStock:
    code: str
    name: str
    unit: str
    reorder_point: Decimal | None


@dataclass(frozen=True)
class StockDigest:
    today: date
    window_days: int
    expiring: tuple[ExpiringLot, ...]
    low: tuple[LowIngredient, ...]

    @property
    def count(self) -> int:
        return len(self.expiring) + len(self.low)


def stock_digest(session: Session, today: date, days: int = EXPIRY_WINDOW_DAYS) -> StockDigest:
    rows = session.execute(select(Lot, Ingredient).join(Ingredient)).all()
    ingredients = {i.code: i for i in session.scalars(select(Ingredient))}
    shelf = [
        ShelfLot(
            lot.id,
            ingredient.code,
            lot.lot_number,
            lot.expires_on,
            lot.quantity_on_hand,
            lot.quarantined,
        )
        for lot, ingredient in rows
    ]
    points = {code: i.reorder_point for code, i in ingredients.items()}
    return StockDigest(
        today=today,
        window_days=days,
        expiring=tuple(
            ExpiringLot(
                id=lot.lot_id,
                ingredient_name=ingredients[lot.ingredient_code].name,
                lot_number=lot.lot_number,
                expires_on=lot.expires_on,
                days_left=(lot.expires_on - today).days,
                quantity_on_hand=lot.quantity_on_hand,
                unit=ingredients[lot.ingredient_code].unit,
            )
            for lot in expiring(shelf, today, days)
        ),
        low=tuple(
            LowIngredient(
                code=code,
                name=ingredients[code].name,
                usable=usable,
                reorder_point=ingredients[code].reorder_point,
                unit=ingredients[code].unit,
            )
            for code, usable in below_reorder_point(shelf, points, today).items()
        ),
    )


def ingredient_stock(session: Session) -> list[IngredientStock]:
    """Each ingredient with its reorder point, for the administrator to set."""
    return [
        IngredientStock(i.code, i.name, i.unit, i.reorder_point)
        for i in session.scalars(select(Ingredient).order_by(Ingredient.code))
    ]
