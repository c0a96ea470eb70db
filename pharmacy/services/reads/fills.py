"""One fill of a prescription as people are shown it: the order page, the patient's
page and the clinic's API all read fills by this one rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pharmacy.domain.refills import refill_line
from pharmacy.models import Fill, Prescription


@dataclass(frozen=True)
class FillShown:
    number: int
    refill: int
    name: str  # "Original fill", "Refill 1 of 2"
    status: str
    quantity: Decimal | None
    quantity_unit: str | None
    beyond_use_date: date | None
    dispensed_on: date | None
    price_total: Decimal | None
    requested_via: str  # original | api | dashboard | auto
    requested_by: str | None
    current: bool


def fill_shown(prescription: Prescription, fill: Fill | None) -> FillShown:
    """The fill numbered as the prescription's current one is read from the
    prescription's row (its `fills` row has no snapshot until it ends); an earlier one
    from its own row. With no `fills` row at all, the row's own fill."""
    current = fill is None or fill.number == prescription.current_fill
    refill = prescription.current_refill if fill is None else fill.refill
    holder = prescription if current else fill
    return FillShown(
        number=prescription.current_fill if fill is None else fill.number,
        refill=refill,
        name=fill_name(refill, prescription.refills),
        status=str(holder.status),
        quantity=holder.quantity,
        quantity_unit=holder.quantity_unit,
        beyond_use_date=holder.beyond_use_date,
        dispensed_on=None if fill is None else fill.dispensed_on,
        price_total=holder.price_total,
        requested_via="original" if fill is None else fill.requested_via,
        requested_by=None if fill is None else fill.requested_by,
        current=current,
    )


def fill_name(refill: int, refills: int) -> str:
    """The label's line for the fill; a refill past those prescribed (none should be)
    is named by its number alone rather than refused."""
    return refill_line(refill, refills) if refill <= refills else f"Refill {refill}"
