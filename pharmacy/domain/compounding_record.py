"""The compounding record (domain §8): what was actually made, checked against the worksheet.

The worksheet says what to make and from which lots; the record says what was taken
from which lots, how much was made, and how the quality-control check came out. The
rules here decide whether an entry can be recorded at all (`entry_problems`) and
whether the made batch passed its check (`qc_result`):

- every ingredient of the worksheet is recorded, and nothing else; each from a lot
  that exists for that ingredient, is not quarantined, has not expired and does not
  expire on the compounding day, and lasts at least until the beyond-use date already
  computed for the order (the BUD never outlives a lot used), with enough on hand;
- capsules: a sample of net fill weights (filled capsule minus the shell's tare) must
  each lie within ±N % of the worksheet's fill weight, N the setting
  `capsule_weight_tolerance_percent`;
- oral liquid: the measured final volume must lie within ±N % of the batch volume,
  N the setting `liquid_volume_tolerance_percent`.

A failed check does not stop the record: what was made is recorded as made, flagged,
and verification decides (see `pharmacy.services.counter.compounding.verify`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from .batch_record import StepTick
from .beyond_use import beyond_use_date
from .compounding.inputs import LotStock
from .prescription import DosageForm, Problem
from .written import note_problem

MAX_DECIMALS = 2  # the balance weighs to 0.01 mg; volumes are read to 0.01 mL at best
TOO_LARGE = Decimal("1E8")  # no batch comes near it; the columns hold less than 1E10
EACH = "each"


def _number(value: Any) -> Any:
    """A Decimal for anything that reads as one; anything else is left for the rules."""
    if isinstance(value, Decimal | bool):
        return value
    if isinstance(value, int | float | str):
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            return value
    return value


@dataclass(frozen=True)
class ComponentUse:
    """What was taken out of one lot for the batch, in the ingredient's unit: mg
    weighed, mL measured or units counted. For an aliquot, the whole amount weighed."""

    ingredient_code: str
    lot_number: str
    amount: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", _number(self.amount))


@dataclass(frozen=True)
class CompoundingEntry:
    """What the technician or pharmacist enters after compounding an order.

    `compounded_on` is the pharmacy's today (`pharmacy.clock.pharmacy_today`), given by
    the caller like every date in the domain. Numbers may be given as Decimal, int or
    numeric strings; anything else is refused by `entry_problems`, naming the field.
    """

    compounded_on: date
    components: tuple[ComponentUse, ...]
    quantity_made: Decimal  # capsules: whole capsules; oral liquid: mL
    capsule_weights_mg: tuple[Decimal, ...] = ()  # capsules: the QC sample, net fill weights
    final_volume_ml: Decimal | None = None  # oral liquid: the QC measurement
    deviations: str = ""  # anything done otherwise than the worksheet says, and why
    steps: tuple[StepTick, ...] = ()  # the MFR procedure's steps ticked at the bench

    def __post_init__(self) -> None:
        object.__setattr__(self, "components", tuple(self.components))
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "quantity_made", _number(self.quantity_made))
        weights = tuple(_number(weight) for weight in self.capsule_weights_mg)
        object.__setattr__(self, "capsule_weights_mg", weights)
        if self.final_volume_ml is not None:
            object.__setattr__(self, "final_volume_ml", _number(self.final_volume_ml))


@dataclass(frozen=True)
class Plan:
    """What the worksheet says to make, read from its stored JSON."""

    dosage_form: DosageForm
    units: Mapping[str, str]  # every ingredient of the worksheet → its unit
    quantity: Decimal  # to dispense: capsules or mL
    batch_quantity: Decimal  # to make, overage included
    fill_weight_mg: Decimal | None  # capsules: the target net fill weight
    worked_on: date  # the day the worksheet was computed
    beyond_use_date: date
    planned: tuple[ComponentUse, ...] = field(default=())  # the worksheet's lot picks

    @classmethod
    def from_worksheet(cls, data: Mapping[str, Any]) -> Plan:
        """`data` is a worksheet as stored (`work.plain(worksheet)`)."""
        components = data["components"]
        return cls(
            dosage_form=DosageForm(data["dosage_form"]),
            units=MappingProxyType({c["ingredient_code"]: c["unit"] for c in components}),
            quantity=Decimal(data["quantity"]),
            batch_quantity=Decimal(data["batch_quantity"]),
            fill_weight_mg=(
                Decimal(data["fill_weight_mg"]) if data.get("fill_weight_mg") else None
            ),
            worked_on=date.fromisoformat(data["compounded_on"]),
            beyond_use_date=date.fromisoformat(data["beyond_use"]["date"]),
            planned=tuple(
                ComponentUse(c["ingredient_code"], pick["lot_number"], Decimal(pick["amount"]))
                for c in components
                for pick in c["picks"]
            ),
        )


# --- quality control -------------------------------------------------------------------


class QcCheck(enum.StrEnum):
    CAPSULE_WEIGHT = "capsule_weight"  # each sampled capsule's net fill weight
    LIQUID_VOLUME = "liquid_volume"  # the final volume of the batch


@dataclass(frozen=True)
class QcTolerances:
    capsule_weight_percent: Decimal
    liquid_volume_percent: Decimal

    @classmethod
    def from_settings(cls, values: Mapping[str, Any]) -> QcTolerances:
        """Read the settings table (key → JSON value); a missing key raises KeyError,
        a value that is not a percentage from 0 up to (not including) 100 ValueError."""
        return cls(
            capsule_weight_percent=_percent(values["capsule_weight_tolerance_percent"]),
            liquid_volume_percent=_percent(values["liquid_volume_tolerance_percent"]),
        )


def _percent(value: Any) -> Decimal:
    try:
        percent = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a percentage") from None
    if not percent.is_finite() or not 0 <= percent < 100:
        raise ValueError(f"{value!r} is not a percentage from 0 to under 100")
    return percent


@dataclass(frozen=True)
class QcResult:
    """A check of measured values against a target ± a percentage, bounds included."""

    check: QcCheck
    unit: str
    target: Decimal
    tolerance_percent: Decimal
    low: Decimal
    high: Decimal
    measured: tuple[Decimal, ...]
    outside: tuple[Decimal, ...]  # the measured values out of bounds
    passed: bool

    @property
    def summary(self) -> str:
        what = "capsule weight check" if self.check is QcCheck.CAPSULE_WEIGHT else "volume check"
        bounds = f"{self.low}-{self.high} {self.unit} ({self.target} ± {self.tolerance_percent} %)"
        if self.passed:
            return f"{what} passed: {len(self.measured)} within {bounds}"
        outside = ", ".join(str(value) for value in self.outside)
        count = f"{len(self.outside)} of {len(self.measured)}"
        return f"{what} failed: {count} outside {bounds}: {outside}"


def within_tolerance(
    check: QcCheck, unit: str, measured: Sequence[Decimal], target: Decimal, percent: Decimal
) -> QcResult:
    """Pass when every measured value lies in target × (1 ± percent / 100), bounds included."""
    if not measured:
        raise ValueError("a check needs at least one measured value")
    low = target * (1 - percent / 100)
    high = target * (1 + percent / 100)
    outside = tuple(value for value in measured if not low <= value <= high)
    return QcResult(check, unit, target, percent, low, high, tuple(measured), outside, not outside)


def capsule_weight_check(
    weights_mg: Sequence[Decimal], fill_weight_mg: Decimal, percent: Decimal
) -> QcResult:
    return within_tolerance(QcCheck.CAPSULE_WEIGHT, "mg", weights_mg, fill_weight_mg, percent)


def liquid_volume_check(volume_ml: Decimal, batch_ml: Decimal, percent: Decimal) -> QcResult:
    return within_tolerance(QcCheck.LIQUID_VOLUME, "mL", [volume_ml], batch_ml, percent)


def qc_result(entry: CompoundingEntry, plan: Plan, tolerances: QcTolerances) -> QcResult:
    """The check for the dosage form; call it only on an entry without problems."""
    if plan.dosage_form is DosageForm.CAPSULE:
        assert plan.fill_weight_mg is not None
        return capsule_weight_check(
            entry.capsule_weights_mg, plan.fill_weight_mg, tolerances.capsule_weight_percent
        )
    assert entry.final_volume_ml is not None
    return liquid_volume_check(
        entry.final_volume_ml, plan.batch_quantity, tolerances.liquid_volume_percent
    )


# --- what may be recorded ---------------------------------------------------------------


def measure_problem(value: Any, *, whole: bool = False) -> str | None:
    """Why `value` is not a positive measured amount (or a count, when `whole`), or None."""
    if not isinstance(value, Decimal) or not value.is_finite():
        return "must be a number"
    if value <= 0:
        return "must be more than 0"
    if value >= TOO_LARGE:
        return f"must be less than {TOO_LARGE:f}"
    if whole and value != value.to_integral_value():
        return "must be a whole number"
    if value != value.quantize(Decimal(1).scaleb(-MAX_DECIMALS)):
        return f"must have at most {MAX_DECIMALS} decimals"
    return None


def lot_problem(
    lot: LotStock | None,
    ingredient_code: str,
    lot_number: str,
    compounded_on: date,
    beyond_use_date: date,
) -> str | None:
    """Why this lot may not go into a preparation made today with this BUD, or None."""
    name = f"lot {lot_number} of {ingredient_code}"
    if lot is None:
        return f"there is no {name}"
    if lot.quarantined:
        return f"{name} is quarantined"
    if lot.expires_on < compounded_on:
        return f"{name} expired on {lot.expires_on.isoformat()}"
    if lot.expires_on == compounded_on:
        return f"{name} expires on the compounding day"
    if lot.expires_on < beyond_use_date:
        return (
            f"{name} expires {lot.expires_on.isoformat()}, before this preparation's "
            f"beyond-use date {beyond_use_date.isoformat()}: use a lot that lasts until then"
        )
    return None


LotKey = tuple[str, str]  # (ingredient code, lot number)


def entry_problems(
    entry: CompoundingEntry, plan: Plan, lots: Mapping[LotKey, LotStock]
) -> list[Problem]:
    """Everything wrong with `entry` for `plan`; an empty list means it can be recorded.

    `lots` holds the lots named in the entry, as on the shelf now, by (ingredient code,
    lot number); a lot missing from it does not exist.
    """
    problems: list[Problem] = []

    def add(where: str, message: str | None) -> None:
        if message:
            problems.append(Problem(where, message))

    if not isinstance(entry.compounded_on, date):
        add("compounded_on", "must be a date")
    elif entry.compounded_on < plan.worked_on:
        add("compounded_on", f"must not be before the worksheet's day {plan.worked_on}")
    elif entry.compounded_on >= plan.beyond_use_date:
        add("compounded_on", f"is not before the beyond-use date {plan.beyond_use_date}")
    else:
        _component_problems(entry, plan, lots, add)
    capsules = plan.dosage_form is DosageForm.CAPSULE
    made = measure_problem(entry.quantity_made, whole=capsules)
    add("quantity_made", made)
    if made is None and entry.quantity_made < plan.quantity:
        unit = "capsules" if capsules else "mL"
        add(
            "quantity_made",
            f"{entry.quantity_made} {unit} made is less than the {plan.quantity} {unit} "
            "to dispense",
        )
    if capsules:
        _capsule_sample_problems(entry, made is None, add)
        if entry.final_volume_ml is not None:
            add("final_volume_ml", "is measured for an oral liquid, not for capsules")
    else:
        if entry.capsule_weights_mg:
            add("capsule_weights_mg", "are weighed for capsules, not for an oral liquid")
        if entry.final_volume_ml is None:
            add("final_volume_ml", "measure the final volume of the batch")
        else:
            add("final_volume_ml", measure_problem(entry.final_volume_ml))
    add("deviations", note_problem(entry.deviations))
    return problems


def _capsule_sample_problems(entry: CompoundingEntry, made_is_valid: bool, add) -> None:
    weights = entry.capsule_weights_mg
    if not weights:
        add("capsule_weights_mg", "weigh a sample of filled capsules (net fill weights, mg)")
        return
    for index, weight in enumerate(weights):
        add(f"capsule_weights_mg[{index}]", measure_problem(weight))
    if made_is_valid and len(weights) > entry.quantity_made:
        add("capsule_weights_mg", f"{len(weights)} weights for {entry.quantity_made} capsules")


def _component_problems(
    entry: CompoundingEntry, plan: Plan, lots: Mapping[LotKey, LotStock], add
) -> None:
    if not entry.components:
        add("components", "record the lot and amount of every ingredient used")
        return
    seen: set[LotKey] = set()
    for index, use in enumerate(entry.components):
        where = f"components[{index}]"
        if not isinstance(use, ComponentUse):
            add(where, "must be a component use (ingredient, lot number, amount)")
            continue
        code, number = use.ingredient_code, use.lot_number
        if not isinstance(code, str) or code not in plan.units:
            known = ", ".join(plan.units)
            add(f"{where}.ingredient_code", f"{code!r} is not on the worksheet ({known})")
            continue
        if not isinstance(number, str) or not number.strip():
            add(f"{where}.lot_number", "name the lot used")
            continue
        if (code, number) in seen:
            add(f"{where}.lot_number", f"lot {number} of {code} is listed twice")
            continue
        seen.add((code, number))
        lot = lots.get((code, number))
        add(
            f"{where}.lot_number",
            lot_problem(lot, code, number, entry.compounded_on, plan.beyond_use_date),
        )
        unit = plan.units[code]
        amount = measure_problem(use.amount, whole=unit == EACH)
        add(f"{where}.amount", amount)
        if lot is not None and amount is None and use.amount > lot.quantity_on_hand:
            add(
                f"{where}.amount",
                f"{use.amount} {unit} is more than lot {number} has on hand "
                f"({lot.quantity_on_hand} {unit})",
            )
    recorded = {use.ingredient_code for use in entry.components if isinstance(use, ComponentUse)}
    missing = [code for code in plan.units if code not in recorded]
    if missing:
        add("components", f"no lot recorded for {', '.join(missing)}")


def short_on_shelf(
    entry: CompoundingEntry, plan: Plan, lots: Mapping[LotKey, LotStock]
) -> dict[str, str]:
    """The amounts the shelf cannot cover: problem field → the lot's number. A lot
    taken by another batch since the form was opened is a conflict with the shelf, not
    a typing mistake."""
    short = {}
    for index, use in enumerate(entry.components):
        if not isinstance(use, ComponentUse) or use.ingredient_code not in plan.units:
            continue
        lot = lots.get((use.ingredient_code, use.lot_number))
        whole = plan.units[use.ingredient_code] == EACH
        if lot is None or measure_problem(use.amount, whole=whole) is not None:
            continue
        if use.amount > lot.quantity_on_hand:
            short[f"components[{index}].amount"] = use.lot_number
    return short


def batch_beyond_use(
    plan: Plan,
    compounded_on: date,
    category: str,
    days_by_category: Mapping[str, int],
    lot_expiries: Sequence[date],
) -> date:
    """The beyond-use date of the batch as it was made (domain §10).

    The BUD runs from the day of compounding: a batch made the day its worksheet was
    computed keeps the worksheet's date; one made later has it counted again from the
    day it was made, from the lots actually used (never past one of them).
    """
    if compounded_on == plan.worked_on:
        return plan.beyond_use_date
    return beyond_use_date(compounded_on, category, days_by_category, lot_expiries).date
