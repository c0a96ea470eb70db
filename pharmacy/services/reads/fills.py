"""One fill of a prescription as people are shown it: the order page, the patient's
page and the clinic's API all read fills by this one rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pharmacy.domain.prescription import DirectionStep
from pharmacy.domain.refills import part_line, part_steps, refill_line
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
    part: str | None = None  # of a split fill: "days 1 to 35 of 90"
    shipment: ShipmentShown | None = None  # a fill mailed to the patient


@dataclass(frozen=True)
class ShipmentShown:
    carrier: str
    tracking_number: str
    shipped_on: date
    arrives_on: date


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
        part=_part(prescription, fill),
        shipment=_shipment(prescription, fill),
    )


def _shipment(prescription: Prescription, fill: Fill | None) -> ShipmentShown | None:
    """The fill's shipment, read from `prescription.shipments` (loaded by the caller)."""
    number = prescription.current_fill if fill is None else fill.number
    for sent in prescription.shipments:
        if sent.fill_number == number:
            return ShipmentShown(
                sent.carrier, sent.tracking_number, sent.shipped_on, sent.arrives_on
            )
    return None


def _part(prescription: Prescription, fill: Fill | None) -> str | None:
    if fill is None or (fill.first_day == 0 and fill.days is None):
        return None
    days = fill.days if fill.days is not None else prescription.days_supply - fill.first_day
    return part_line(fill.first_day, days, prescription.days_supply)


def fill_name(refill: int, refills: int) -> str:
    """The label's line for the fill; a refill past those prescribed (none should be)
    is named by its number alone rather than refused."""
    return refill_line(refill, refills) if refill <= refills else f"Refill {refill}"


def steps_in_progress(prescription: Prescription) -> tuple[DirectionStep, ...]:
    """The doses of the fill in progress: its part of the course, and of its refill's
    days when it is a part of a split fill."""
    course = tuple(DirectionStep(s.dose_mg, s.days) for s in prescription.steps)
    return part_steps(
        course,
        prescription.days_supply,
        prescription.current_refill,
        prescription.fill_first_day,
        prescription.fill_days,
    )
