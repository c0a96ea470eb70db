"""What the stock digest reports: lots running out of date, ingredients running short.

A lot counts as usable stock while it is on hand, not quarantined and not expired; an
ingredient is short when its usable stock is below its reorder point (none set: never).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

EXPIRY_WINDOW_DAYS = 60


@dataclass(frozen=True)
class ShelfLot:
    lot_id: int
    ingredient_code: str
    lot_number: str
    expires_on: date
    quantity_on_hand: Decimal
    quarantined: bool


def usable(lot: ShelfLot, today: date) -> bool:
    return lot.quantity_on_hand > 0 and not lot.quarantined and lot.expires_on > today


def expiring(
    lots: Iterable[ShelfLot], today: date, days: int = EXPIRY_WINDOW_DAYS
) -> list[ShelfLot]:
    """Lots with stock left that expire within `days` (or have expired and are still on
    the shelf), first-expiring first. A quarantined lot is not used anyway."""
    until = today + timedelta(days=days)
    found = [
        lot
        for lot in lots
        if lot.quantity_on_hand > 0 and not lot.quarantined and lot.expires_on <= until
    ]
    return sorted(found, key=lambda lot: (lot.expires_on, lot.lot_number))


def below_reorder_point(
    lots: Iterable[ShelfLot], reorder_points: Mapping[str, Decimal | None], today: date
) -> dict[str, Decimal]:
    """Ingredient code → usable stock, for each ingredient below its reorder point."""
    stock = {code: Decimal(0) for code in reorder_points}
    for lot in lots:
        if lot.ingredient_code in stock and usable(lot, today):
            stock[lot.ingredient_code] += lot.quantity_on_hand
    return {
        code: stock[code]
        for code, point in sorted(reorder_points.items())
        if point is not None and stock[code] < point
    }
