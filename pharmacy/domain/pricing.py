"""The cash price of a worksheet (domain §5), line by line as the receipt shows it.

Price = max(minimum price, ingredients × markup + compounding fee + dispensing fee).
Ingredients are charged on what the batch consumes (`ComponentLine.amount_used`: the
API actually weighed, aliquot leftovers included, the filler, the shells, the vehicle,
the container), one marked-up line per ingredient, each rounded half-up to the cent.
The total is the sum of the printed lines, so the receipt always adds up: rounding per
line may differ by a cent per line from rounding the unrounded sum, and the receipt
wins. When the minimum applies, a "Minimum price adjustment" line makes up the
difference.

Which price belongs to an ingredient is read from the price list's own keys:
`<name>_per_mg`, `<name>_per_g`, `<name>_per_ml` or `<name>_each`, where `<name>` is
the ingredient code or its longest leading part ("mcc_per_g" prices "mcc_ph102").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pharmacy.domain.compounding import ComponentLine, Device, Role, Worksheet

CENT = Decimal("0.01")

# Price-list suffix → (the component unit it applies to, that unit's size in the suffix's)
PRICE_UNITS: Mapping[str, tuple[str, Decimal, str]] = {
    "_per_mg": ("mg", Decimal(1), "mg"),
    "_per_g": ("mg", Decimal("0.001"), "g"),
    "_per_ml": ("mL", Decimal(1), "mL"),
    "_each": ("each", Decimal(1), "each"),
}

ROLE_LABELS: Mapping[Role, str] = {
    Role.API: "Active ingredient",
    Role.FILLER: "Filler",
    Role.CAPSULE: "Capsule shells",
    Role.VEHICLE: "Vehicle",
    Role.CONTAINER: "Container",
}


@dataclass(frozen=True)
class PriceLine:
    label: str
    amount: Decimal
    basis: str = ""  # how the amount was reached, for the pharmacist and an audit


@dataclass(frozen=True)
class Price:
    lines: tuple[PriceLine, ...]
    total: Decimal
    price_list_version: int


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _money(value: Any) -> Decimal:
    return Decimal(str(value))


def _unit_price(line: ComponentLine, prices: Mapping[str, Any]) -> tuple[Decimal, Decimal, str]:
    """(unit price, amount in the price's unit, that unit) for one component."""
    parts = line.ingredient_code.split("_")
    for size in range(len(parts), 0, -1):
        name = "_".join(parts[:size])
        for suffix, (unit, scale, priced_in) in PRICE_UNITS.items():
            if unit == line.unit and name + suffix in prices:
                return _money(prices[name + suffix]), line.amount_used * scale, priced_in
    raise ValueError(f"the price list has no price for {line.ingredient_code} per {line.unit}")


def _ingredient_line(
    line: ComponentLine, prices: Mapping[str, Any], markup: Decimal, names: Mapping[str, str]
) -> PriceLine:
    unit_price, quantity, unit = _unit_price(line, prices)
    cost = quantity * unit_price
    per = " each" if unit == "each" else f"/{unit}"
    name = names.get(line.ingredient_code, line.ingredient_code)
    amount = cents(cost * markup)
    # Every figure a person reads: the quantity, the price list's unit price, the
    # markup and the line's amount in cents (a cost of fractions of a cent is not shown).
    return PriceLine(
        f"{ROLE_LABELS[line.role]}: {name}, {line.amount_used} {line.unit}",
        amount,
        f"{quantity.normalize():f} {unit} × ${unit_price}{per} × {markup} markup = "
        f"${amount} (to the cent)",
    )


def _device_line(device: Device, unit_price: Decimal, markup: Decimal) -> PriceLine:
    amount = cents(device.count * unit_price * markup)
    return PriceLine(
        f"Device: {device.code.replace('_', ' ')}, {device.count} each",
        amount,
        f"{device.count} each × ${unit_price} each × {markup} markup = ${amount} (to the cent)",
    )


def _fee(value: Any, dosage_form: str) -> Decimal:
    """A fee is one amount, or one amount per dosage form."""
    return _money(value[dosage_form] if isinstance(value, Mapping) else value)


def price_worksheet(
    worksheet: Worksheet,
    prices: Mapping[str, Any],
    price_list_version: int,
    names: Mapping[str, str] | None = None,
) -> Price:
    """Price `worksheet` with the price list `prices` (its JSON) of `price_list_version`.

    `names` gives the receipt's words for ingredient codes; a code without one is shown
    as it is.
    """
    markup = _money(prices["markup"])
    lines = [_ingredient_line(line, prices, markup, names or {}) for line in worksheet.components]
    # A device (the oral syringe) is charged when the price list has a price for it.
    lines += [
        _device_line(device, _money(prices[f"{device.code}_each"]), markup)
        for device in worksheet.devices
        if f"{device.code}_each" in prices
    ]
    compounding = cents(_fee(prices["compounding_fee"], worksheet.dosage_form))
    dispensing = cents(_fee(prices["dispensing_fee"], worksheet.dosage_form))
    form = worksheet.dosage_form.replace("_", " ")
    lines.append(PriceLine("Compounding fee", compounding, f"for {form}s"))
    lines.append(PriceLine("Dispensing fee", dispensing))
    subtotal = sum((line.amount for line in lines), Decimal(0))
    minimum = cents(_money(prices["minimum_price"]))
    if subtotal < minimum:
        lines.append(
            PriceLine(
                "Minimum price adjustment",
                minimum - subtotal,
                f"the minimum price is ${minimum}; the lines above come to ${subtotal}",
            )
        )
    total = sum((line.amount for line in lines), Decimal(0))
    return Price(tuple(lines), total, price_list_version)
