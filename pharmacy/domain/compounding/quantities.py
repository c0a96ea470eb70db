"""How much is dispensed and made, and how every number is rounded.

Precision, always in Decimal and rounded half-up unless said otherwise:
- weights in mg to 0.01 mg; the salt/assay factor to 6 decimals, and the weight to
  weigh is computed from the factor as printed, so a pharmacist can redo it by hand;
- the volume dispensed to 0.1 mL, rounded *up* so the bottle lasts the days supply;
- the batch in whole capsules or whole mL, rounded up (it adds the overage);
- capsule shells and containers in whole units.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_HALF_UP, ROUND_UP, Decimal

from pharmacy.domain.prescription import DosageForm, PrescriptionOrder

MG = Decimal("0.01")
ML = Decimal("0.1")
FACTOR = Decimal("0.000001")
WHOLE = Decimal(1)


def mg(value: Decimal) -> Decimal:
    return value.quantize(MG, ROUND_HALF_UP)


def _round_up(value: Decimal, step: Decimal = WHOLE) -> Decimal:
    return value.quantize(step, ROUND_CEILING if step == WHOLE else ROUND_UP)


def quantity_dispensed(order: PrescriptionOrder) -> Decimal:
    """Σ (dose / strength) × times a day × days: whole capsules, or mL to 0.1 (up)."""
    total = Decimal(0)
    for step in order.directions.steps:
        per_dose = step.dose_mg / order.strength_mg
        if order.dosage_form is DosageForm.CAPSULE and per_dose != per_dose.to_integral_value():
            raise ValueError(
                f"{step.dose_mg} mg is not a whole number of {order.strength_mg} mg capsules: "
                "validate the order first"
            )
        total += per_dose * order.directions.times_per_day * step.days
    if order.dosage_form is DosageForm.ORAL_LIQUID:
        return _round_up(total, ML)
    return total.quantize(WHOLE)


def batch_quantity(quantity: Decimal, overage_percent: Decimal) -> Decimal:
    """What is made: the quantity plus the overage lost while compounding, rounded up."""
    return _round_up(quantity * (1 + overage_percent / 100))


def bottle_for(volume_ml: Decimal, bottle_sizes_ml: Sequence[int]) -> int | None:
    """The smallest stocked bottle that holds `volume_ml`, or None if none does."""
    return next((size for size in sorted(bottle_sizes_ml) if size >= volume_ml), None)
