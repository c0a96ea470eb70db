"""How much is dispensed and made, and how every number is rounded.

Precision, always in Decimal and rounded half-up unless said otherwise:
- what is put on the balance (`Balance`) to its readability (a setting, 1 mg by
  default), never less than the minimum weighable quantity, with its ±5 % window;
- calculated weights (naltrexone HCl needed, what a portion carries) in mg to 0.01 mg;
- the salt/assay factor to 6 decimals, and the weight to weigh is computed from the
  factor as printed, so a pharmacist can redo it by hand;
- the volume dispensed to 0.1 mL, rounded *up* so the bottle lasts the days supply;
- the batch in whole capsules or whole mL, rounded up (it adds the overage);
- capsule shells and containers in whole units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, ROUND_UP, Decimal

from pharmacy.domain.prescription import DosageForm, PrescriptionOrder

MG = Decimal("0.01")
ML = Decimal("0.1")
FACTOR = Decimal("0.000001")
WHOLE = Decimal(1)


def mg(value: Decimal) -> Decimal:
    return value.quantize(MG, ROUND_HALF_UP)


READABILITIES = tuple(Decimal(step) for step in ("0.001", "0.01", "0.1", "1"))


@dataclass(frozen=True)
class Balance:
    """The pharmacy's balance: what it reads to, the least it may weigh, and the window a
    weighing must land in. Every weighing on a worksheet is one of its readings.

    The minimum is the MWQ setting rounded up to the readability, so a reading that
    rounds to it is never below the setting.
    """

    readability_mg: Decimal
    minimum_mg: Decimal
    tolerance_percent: Decimal

    @classmethod
    def of(cls, readability_mg: Decimal, mwq_mg: Decimal, tolerance_percent: Decimal) -> Balance:
        if readability_mg not in READABILITIES:
            allowed = ", ".join(str(step) for step in READABILITIES)
            raise ValueError(f"balance readability {readability_mg} mg must be one of {allowed}")
        if mwq_mg <= 0 or not 0 < tolerance_percent < 100:
            raise ValueError("the MWQ must be above 0 mg and the tolerance between 0 and 100 %")
        minimum = mwq_mg.quantize(readability_mg, ROUND_CEILING)
        return cls(readability_mg.normalize(), minimum, tolerance_percent)

    def reading(self, value: Decimal) -> Decimal:
        """`value` as the balance shows it, half up."""
        return value.quantize(self.readability_mg, ROUND_HALF_UP)

    def at_most(self, value: Decimal) -> Decimal:
        return value.quantize(self.readability_mg, ROUND_FLOOR)

    def window(self, target: Decimal) -> tuple[Decimal, Decimal]:
        """The readings within ± the tolerance of `target`, the lowest and the highest;
        never below the minimum, which no weighing may be."""
        spread = target * self.tolerance_percent / 100
        low = (target - spread).quantize(self.readability_mg, ROUND_CEILING)
        return max(low, min(self.minimum_mg, target)), self.at_most(target + spread)


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
