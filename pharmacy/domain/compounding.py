"""From a prescription to a compounding worksheet (domain §3): every number to check.

Precision, always in Decimal and rounded half-up unless said otherwise:
- weights in mg to 0.01 mg; the salt/assay factor to 6 decimals, and the weight to
  weigh is computed from the factor as printed, so a pharmacist can redo it by hand;
- the volume dispensed to 0.1 mL, rounded *up* so the bottle lasts the days supply;
- the batch in whole capsules or whole mL, rounded up (it adds the overage);
- capsule shells and containers in whole units.

Lots are taken first-expiring-first-out. A lot is never used when it is quarantined,
empty, expired, or expires on the compounding day itself (it would make a preparation
that expires the day it is made). An API lot without a molecular weight or an assay on
record is not used either: its weight cannot be corrected.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, ROUND_UP, Decimal
from types import MappingProxyType
from typing import Any

from pharmacy.domain.beyond_use import BeyondUse, beyond_use_date, supply_outlasts_bud
from pharmacy.domain.prescription import DosageForm, PrescriptionOrder
from pharmacy.domain.screening import Finding, Severity

MG = Decimal("0.01")
ML = Decimal("0.1")
FACTOR = Decimal("0.000001")
WHOLE = Decimal(1)
LIQUID_ALIQUOT_ML = Decimal("1.0")  # one measured mL of stock solution carries the batch's API


def mg(value: Decimal) -> Decimal:
    return value.quantize(MG, ROUND_HALF_UP)


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _optional_decimal(value: Any) -> Decimal | None:
    return None if value is None else _decimal(value)


def _round_up(value: Decimal, step: Decimal = WHOLE) -> Decimal:
    return value.quantize(step, ROUND_CEILING if step == WHOLE else ROUND_UP)


@dataclass(frozen=True)
class Formula:
    """A master formulation record (MFR) version: what goes into the preparation."""

    mfr_id: int
    mfr_version: int
    name: str
    dosage_form: DosageForm
    api_code: str
    api_reference_mw: Decimal  # the form the strength is written in: naltrexone HCl
    overage_percent: Decimal
    container_code: str
    bud_category: str
    storage: str
    filler_code: str | None = None
    capsule_code: str | None = None
    capsule_size: str | None = None
    fill_weight_mg: Decimal | None = None
    vehicle_code: str | None = None
    auxiliary: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.dosage_form is DosageForm.CAPSULE:
            required = {"filler": self.filler_code, "capsule": self.capsule_code}
            required["fill_weight_mg"] = self.fill_weight_mg
        else:
            required = {"vehicle": self.vehicle_code}
        missing = [key for key, value in required.items() if value is None]
        if missing:
            raise ValueError(f"{self.dosage_form} formula lacks {', '.join(missing)}")

    @classmethod
    def from_record(
        cls, mfr_id: int, version: int, name: str, dosage_form: str, formula: Mapping[str, Any]
    ) -> Formula:
        """Read a master_formulation_records row; `formula` is its JSON column."""
        return cls(
            mfr_id=mfr_id,
            mfr_version=version,
            name=name,
            dosage_form=DosageForm(dosage_form),
            api_code=formula["api"],
            api_reference_mw=_decimal(formula["api_reference_mw"]),
            overage_percent=_decimal(formula["overage_percent"]),
            container_code=formula["container"],
            bud_category=formula["bud_category"],
            storage=formula["storage"],
            filler_code=formula.get("filler"),
            capsule_code=formula.get("capsule"),
            capsule_size=formula.get("capsule_size"),
            fill_weight_mg=_optional_decimal(formula.get("fill_weight_mg")),
            vehicle_code=formula.get("vehicle"),
            auxiliary=tuple(formula.get("auxiliary", ())),
        )


@dataclass(frozen=True)
class LotStock:
    """A lot on the shelf, in its ingredient's unit (mg, mL or each)."""

    lot_id: int
    ingredient_code: str
    lot_number: str
    vendor: str
    expires_on: date
    quantity_on_hand: Decimal
    quarantined: bool = False
    molecular_weight: Decimal | None = None  # API lots: of the form on the label
    assay_percent: Decimal | None = None  # API lots: purity of that form
    form: str | None = None  # API lots: "hydrochloride", "dihydrate"...


@dataclass(frozen=True)
class CompoundingSettings:
    minimum_weighable_quantity_mg: Decimal
    bottle_sizes_ml: tuple[int, ...]
    beyond_use_days: Mapping[str, int]

    @classmethod
    def from_settings(cls, values: Mapping[str, Any]) -> CompoundingSettings:
        """Read the settings table (key → JSON value); other keys are ignored."""
        return cls(
            minimum_weighable_quantity_mg=_decimal(values["minimum_weighable_quantity_mg"]),
            bottle_sizes_ml=tuple(sorted(int(size) for size in values["bottle_sizes_ml"])),
            beyond_use_days=MappingProxyType(
                {key: int(days) for key, days in values["beyond_use_days"].items()}
            ),
        )


class Role(enum.StrEnum):
    API = "api"
    FILLER = "filler"
    CAPSULE = "capsule"
    VEHICLE = "vehicle"
    CONTAINER = "container"


@dataclass(frozen=True)
class LotPick:
    lot_id: int
    lot_number: str
    vendor: str
    expires_on: date
    amount: Decimal  # taken from this lot, in the component's unit


@dataclass(frozen=True)
class ComponentLine:
    """One ingredient of the batch and the lots it comes from.

    `amount_needed` is what the batch must contain (for the API: naltrexone HCl);
    `amount_used` is what is weighed, measured or counted out of stock, aliquot
    leftovers included, which is also what the price is charged on.
    """

    role: Role
    ingredient_code: str
    unit: str  # "mg", "mL" or "each"
    amount_needed: Decimal
    amount_used: Decimal
    picks: tuple[LotPick, ...]
    shortfall: Decimal = Decimal(0)


@dataclass(frozen=True)
class ApiLotShare:
    """The salt and assay correction for one API lot: weigh = HCl × factor."""

    lot_id: int
    lot_number: str
    form: str | None
    molecular_weight: Decimal
    assay_percent: Decimal
    factor: Decimal  # (MW of the lot's form / reference MW) / (assay % / 100)
    naltrexone_hcl_mg: Decimal  # what this lot's weight carries, as the reference form
    weigh_mg: Decimal


@dataclass(frozen=True)
class ApiCalculation:
    """How much active ingredient, in the reference form and as weighed.

    `in_batch_mg` is the lot powder that must end up in the batch; `weighed_mg` is
    what is put on the balance: the same, or the aliquot's larger amount.
    """

    ingredient_code: str
    reference_mw: Decimal
    per_unit_mg: Decimal  # the strength: mg per capsule or per mL
    batch_quantity: Decimal
    needed_mg: Decimal  # batch quantity × strength, as naltrexone HCl
    in_batch_mg: Decimal
    weighed_mg: Decimal
    shares: tuple[ApiLotShare, ...]


class AliquotKind(enum.StrEnum):
    TRITURATE = "triturate"  # capsules: API diluted with the filler
    STOCK_SOLUTION = "stock_solution"  # oral liquid: API dissolved in the vehicle


@dataclass(frozen=True)
class Aliquot:
    """The aliquot method, for an API amount below the minimum weighable quantity.

    Triturate (capsules): weigh `api_weighed_mg` (the MWQ), add `diluent_amount` mg of
    filler to make `stock_amount` mg of a 1 in `ratio` triturate, then weigh
    `portion_amount` mg of it (at least the MWQ), which carries the batch's API and
    `diluent_in_portion` mg of filler.
    Stock solution (oral liquid): weigh `api_weighed_mg` (N times the batch's API, at
    least the MWQ), dissolve and make up to `stock_amount` = N mL with the vehicle, then
    measure `portion_amount` = 1 mL of it into the batch.
    """

    kind: AliquotKind
    ratio: int
    api_weighed_mg: Decimal
    diluent_code: str
    diluent_amount: Decimal
    stock_amount: Decimal
    portion_amount: Decimal
    unit: str  # of the diluent, stock and portion: "mg" or "mL"
    portion_api_mg: Decimal  # lot powder in the portion
    portion_naltrexone_hcl_mg: Decimal
    diluent_in_portion: Decimal

    @property
    def ratio_text(self) -> str:
        return f"1 in {self.ratio}"


@dataclass(frozen=True)
class SkippedLot:
    lot_id: int
    ingredient_code: str
    lot_number: str
    reason: str


@dataclass(frozen=True)
class Worksheet:
    """Everything the compounding pharmacist makes and the verifying pharmacist checks."""

    mfr_id: int
    mfr_version: int
    formula_name: str
    dosage_form: DosageForm
    strength_mg: Decimal
    compounded_on: date
    days_supply: int
    quantity: Decimal  # dispensed
    unit: str  # "capsule" or "mL"
    overage_percent: Decimal
    batch_quantity: Decimal
    container_code: str
    containers: int
    bottle_size_ml: int | None  # oral liquid: the smallest stocked bottle that holds it
    api: ApiCalculation
    aliquot: Aliquot | None
    fill_weight_mg: Decimal | None
    api_per_capsule_mg: Decimal | None  # lot powder per capsule
    filler_per_capsule_mg: Decimal | None  # fill weight − API per capsule
    components: tuple[ComponentLine, ...]
    storage: str
    auxiliary: tuple[str, ...]
    beyond_use: BeyondUse
    skipped_lots: tuple[SkippedLot, ...]
    findings: tuple[Finding, ...]

    @property
    def on_hold(self) -> bool:
        return any(finding.severity is Severity.HARD_STOP for finding in self.findings)


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


def api_factor(lot: LotStock, reference_mw: Decimal) -> Decimal:
    """(MW of the lot's form / MW of the reference form) / (assay % / 100), to 6 places."""
    assert lot.molecular_weight is not None and lot.assay_percent is not None
    return (lot.molecular_weight / reference_mw / (lot.assay_percent / 100)).quantize(
        FACTOR, ROUND_HALF_UP
    )


def _why_unusable(lot: LotStock, compounded_on: date, api_code: str) -> str | None:
    if lot.quarantined:
        return "quarantined"
    if lot.expires_on < compounded_on:
        return f"expired {lot.expires_on.isoformat()}"
    if lot.expires_on == compounded_on:
        return "expires on the compounding day"
    if lot.quantity_on_hand <= 0:
        return "nothing on hand"
    if lot.ingredient_code == api_code and (lot.molecular_weight is None or not lot.assay_percent):
        return "no molecular weight or assay on record"
    return None


def _pick(lot: LotStock, amount: Decimal) -> LotPick:
    return LotPick(lot.lot_id, lot.lot_number, lot.vendor, lot.expires_on, amount)


def take_fefo(lots: Sequence[LotStock], amount: Decimal) -> tuple[list[LotPick], Decimal]:
    """Take `amount` from usable lots, first-expiring first; returns picks and shortfall."""
    picks: list[LotPick] = []
    remaining = amount
    for lot in lots:
        if remaining <= 0:
            break
        taken = min(remaining, lot.quantity_on_hand)
        picks.append(_pick(lot, taken))
        remaining -= taken
    return picks, max(remaining, Decimal(0))


def _share(lot: LotStock, factor: Decimal, hcl: Decimal, weigh: Decimal) -> ApiLotShare:
    assert lot.molecular_weight is not None and lot.assay_percent is not None
    return ApiLotShare(
        lot.lot_id,
        lot.lot_number,
        lot.form,
        lot.molecular_weight,
        lot.assay_percent,
        factor,
        mg(hcl),
        weigh,
    )


def take_api(
    lots: Sequence[LotStock], naltrexone_hcl_mg: Decimal, reference_mw: Decimal
) -> tuple[list[ApiLotShare], Decimal]:
    """Weigh enough lot powder to carry `naltrexone_hcl_mg`, FEFO, each lot corrected.

    Returns the shares and the naltrexone HCl the usable lots could not cover.
    """
    shares: list[ApiLotShare] = []
    remaining = naltrexone_hcl_mg
    for lot in lots:
        if remaining <= 0:
            break
        factor = api_factor(lot, reference_mw)
        weigh = mg(remaining * factor)
        if weigh <= lot.quantity_on_hand:
            shares.append(_share(lot, factor, remaining, weigh))
            remaining = Decimal(0)
        else:
            carried = lot.quantity_on_hand / factor
            shares.append(_share(lot, factor, carried, lot.quantity_on_hand))
            remaining -= carried
    return shares, max(remaining, Decimal(0))


def take_api_by_weight(
    lots: Sequence[LotStock], weight_mg: Decimal, reference_mw: Decimal
) -> tuple[list[ApiLotShare], Decimal, Decimal]:
    """Weigh `weight_mg` of lot powder, FEFO: shares, HCl they carry (exact), shortfall."""
    shares: list[ApiLotShare] = []
    carried_total = Decimal(0)
    remaining = weight_mg
    for lot in lots:
        if remaining <= 0:
            break
        factor = api_factor(lot, reference_mw)
        weigh = min(remaining, lot.quantity_on_hand)
        carried = weigh / factor
        shares.append(_share(lot, factor, carried, weigh))
        carried_total += carried
        remaining -= weigh
    return shares, carried_total, max(remaining, Decimal(0))


def _api_picks(shares: Sequence[ApiLotShare], lots: Sequence[LotStock]) -> tuple[LotPick, ...]:
    by_id = {lot.lot_id: lot for lot in lots}
    return tuple(_pick(by_id[share.lot_id], share.weigh_mg) for share in shares)


def _usable_lots(
    lots: Sequence[LotStock], codes: set[str], compounded_on: date, api_code: str
) -> tuple[dict[str, list[LotStock]], list[SkippedLot]]:
    """The formula's lots that may be used, each ingredient's first-expiring first."""
    usable: dict[str, list[LotStock]] = {code: [] for code in codes}
    skipped: list[SkippedLot] = []
    for lot in sorted(lots, key=lambda lot: (lot.expires_on, lot.lot_id)):
        if lot.ingredient_code not in codes:
            continue
        reason = _why_unusable(lot, compounded_on, api_code)
        if reason is None:
            usable[lot.ingredient_code].append(lot)
        else:
            skipped.append(SkippedLot(lot.lot_id, lot.ingredient_code, lot.lot_number, reason))
    return usable, skipped


@dataclass
class _Stock:
    """The usable lots, and the findings that taking from them raises."""

    usable: dict[str, list[LotStock]]
    skipped: list[SkippedLot]
    findings: list[Finding]

    def lots(self, code: str) -> list[LotStock]:
        found = self.usable[code]
        if not found:
            why = [f"{s.lot_number} {s.reason}" for s in self.skipped if s.ingredient_code == code]
            self.findings.append(
                Finding(
                    "no_usable_lot",
                    Severity.HARD_STOP,
                    f"no usable lot of {code}"
                    + (f" ({'; '.join(why)})" if why else "")
                    + ": receive or release a lot before compounding",
                )
            )
        return found

    def short(self, code: str, needed: Decimal, unit: str, covered: Decimal, why: str) -> None:
        self.findings.append(
            Finding(
                "short_stock",
                Severity.HARD_STOP,
                f"{code}: {needed} {unit} needed{why}, usable lots provide only {covered} {unit}",
            )
        )

    def component(
        self, role: Role, code: str, unit: str, needed: Decimal, used: Decimal
    ) -> ComponentLine:
        lots = self.lots(code)
        if not lots:
            return ComponentLine(role, code, unit, needed, used, (), used)
        picks, shortfall = take_fefo(lots, used)
        if shortfall:
            self.short(code, used, unit, used - shortfall, "")
        return ComponentLine(role, code, unit, needed, used, tuple(picks), shortfall)


def _api_plan(
    order: PrescriptionOrder,
    formula: Formula,
    batch: Decimal,
    settings: CompoundingSettings,
    stock: _Stock,
) -> tuple[ApiCalculation, Aliquot | None, ComponentLine]:
    """Naltrexone HCl for the batch, corrected per lot, with an aliquot below the MWQ."""
    code, reference_mw = formula.api_code, formula.api_reference_mw
    needed = mg(batch * order.strength_mg)
    lots = stock.lots(code)
    shares, uncovered = take_api(lots, needed, reference_mw)
    in_batch = sum((share.weigh_mg for share in shares), Decimal(0))
    aliquot: Aliquot | None = None
    if lots and uncovered:
        stock.short(code, needed, "mg", needed - mg(uncovered), " (as naltrexone HCl)")
    minimum = mg(settings.minimum_weighable_quantity_mg)
    if lots and not uncovered and in_batch < minimum:
        if formula.dosage_form is DosageForm.CAPSULE:
            made = _triturate(lots, needed, minimum, formula, stock)
        else:
            made = _stock_solution(lots, needed, in_batch, minimum, formula, stock)
        if made is not None:
            aliquot, shares, in_batch = made
    weighed = aliquot.api_weighed_mg if aliquot else in_batch
    calculation = ApiCalculation(
        code,
        reference_mw,
        order.strength_mg,
        batch,
        needed,
        in_batch,
        weighed,
        tuple(shares),
    )
    shortfall = needed if not lots else mg(uncovered)
    line = ComponentLine(Role.API, code, "mg", needed, weighed, _api_picks(shares, lots), shortfall)
    return calculation, aliquot, line


def _triturate(
    lots: Sequence[LotStock],
    needed: Decimal,
    minimum: Decimal,
    formula: Formula,
    stock: _Stock,
) -> tuple[Aliquot, list[ApiLotShare], Decimal] | None:
    """Weigh the MWQ of API, dilute 1 in N with filler, weigh the portion carrying `needed`.

    N is the smallest whole ratio that makes the portion at least the MWQ.
    """
    shares, carried, shortfall = take_api_by_weight(lots, minimum, formula.api_reference_mw)
    if shortfall:
        stock.short(
            formula.api_code, minimum, "mg", minimum - shortfall, " to weigh the MWQ for an aliquot"
        )
        return None
    in_batch = mg(needed * minimum / carried)
    ratio = math.ceil(minimum / in_batch)
    total = mg(minimum * ratio)
    portion = mg(in_batch * ratio)
    assert formula.filler_code is not None
    aliquot = Aliquot(
        kind=AliquotKind.TRITURATE,
        ratio=ratio,
        api_weighed_mg=minimum,
        diluent_code=formula.filler_code,
        diluent_amount=total - minimum,
        stock_amount=total,
        portion_amount=portion,
        unit="mg",
        portion_api_mg=in_batch,
        portion_naltrexone_hcl_mg=needed,
        diluent_in_portion=portion - in_batch,
    )
    return aliquot, shares, in_batch


def _stock_solution(
    lots: Sequence[LotStock],
    needed: Decimal,
    in_batch: Decimal,
    minimum: Decimal,
    formula: Formula,
    stock: _Stock,
) -> tuple[Aliquot, list[ApiLotShare], Decimal] | None:
    """Weigh N times the batch's API (at least the MWQ), make N mL, measure 1 mL of it.

    Volumes stay whole mL, measured exactly with an oral syringe; the precision is
    carried by the balance, which weighs to 0.01 mg.
    """
    ratio = math.ceil(minimum / in_batch)
    while True:
        shares, uncovered = take_api(lots, needed * ratio, formula.api_reference_mw)
        if uncovered:
            stock.short(
                formula.api_code,
                needed * ratio,
                "mg",
                mg(needed * ratio - uncovered),
                " (as naltrexone HCl) to weigh the MWQ for an aliquot",
            )
            return None
        weighed = sum((share.weigh_mg for share in shares), Decimal(0))
        if weighed >= minimum:
            break
        ratio += 1
    assert formula.vehicle_code is not None
    made_up = (LIQUID_ALIQUOT_ML * ratio).quantize(ML)
    aliquot = Aliquot(
        kind=AliquotKind.STOCK_SOLUTION,
        ratio=ratio,
        api_weighed_mg=weighed,
        diluent_code=formula.vehicle_code,
        diluent_amount=made_up,
        stock_amount=made_up,
        portion_amount=LIQUID_ALIQUOT_ML,
        unit="mL",
        portion_api_mg=mg(weighed / ratio),
        portion_naltrexone_hcl_mg=needed,
        diluent_in_portion=LIQUID_ALIQUOT_ML,
    )
    return aliquot, shares, mg(weighed / ratio)


def _leftover(aliquot: Aliquot | None) -> Decimal:
    """Diluent used for the aliquot but not carried into the batch."""
    return aliquot.diluent_amount - aliquot.diluent_in_portion if aliquot else Decimal(0)


def _beyond_use(
    formula: Formula,
    settings: CompoundingSettings,
    compounded_on: date,
    components: Sequence[ComponentLine],
) -> BeyondUse:
    used = [(pick, line.ingredient_code) for line in components for pick in line.picks]
    bud = beyond_use_date(
        compounded_on,
        formula.bud_category,
        settings.beyond_use_days,
        [pick.expires_on for pick, _ in used],
    )
    if bud.limited_by is None:
        return bud
    lot, code = next((pick, code) for pick, code in used if pick.expires_on == bud.date)
    return replace(
        bud, limited_by=f"lot {lot.lot_number} of {code} expires {lot.expires_on.isoformat()}"
    )


def _supply_finding(order: PrescriptionOrder, bud: BeyondUse) -> Finding:
    fills = math.ceil(order.days_supply / bud.days) if bud.days > 0 else None
    split = f"split the fill into {fills} fills of at most {bud.days} days" if fills else "refill"
    return Finding(
        "bud_shorter_than_supply",
        Severity.HARD_STOP,
        f"the beyond-use date {bud.date.isoformat()} ({bud.days} days"
        + (f", {bud.limited_by}" if bud.limited_by else "")
        + f") comes before the end of the {order.days_supply}-day supply: {split}, "
        f"or shorten the supply to {max(bud.days, 0)} days",
    )


def compute_worksheet(
    order: PrescriptionOrder,
    formula: Formula,
    lots: Sequence[LotStock],
    settings: CompoundingSettings,
    compounded_on: date,
) -> Worksheet:
    """The worksheet for `order` made from `formula` with the lots on the shelf today.

    Problems (short stock, no usable lot, a BUD shorter than the supply) do not raise:
    they become hard-stop findings on a worksheet that still shows every number.
    """
    if order.dosage_form is not formula.dosage_form:
        raise ValueError(f"a {order.dosage_form} order cannot use a {formula.dosage_form} formula")
    quantity = quantity_dispensed(order)
    batch = batch_quantity(quantity, formula.overage_percent)
    codes = {formula.api_code, formula.container_code}
    codes |= {c for c in (formula.filler_code, formula.capsule_code, formula.vehicle_code) if c}
    usable, skipped = _usable_lots(lots, codes, compounded_on, formula.api_code)
    stock = _Stock(usable, skipped, [])
    api, aliquot, api_line = _api_plan(order, formula, batch, settings, stock)
    components = [api_line]
    fill_weight = api_per_capsule = filler_per_capsule = None
    bottle_size: int | None = None
    containers = 1
    if formula.dosage_form is DosageForm.CAPSULE:
        assert formula.fill_weight_mg is not None
        assert formula.filler_code is not None and formula.capsule_code is not None
        fill_weight = formula.fill_weight_mg
        api_per_capsule = mg(api.in_batch_mg / batch)
        filler_per_capsule = mg(fill_weight - api.in_batch_mg / batch)
        filler = mg(fill_weight * batch - api.in_batch_mg)
        components += [
            stock.component(
                Role.FILLER, formula.filler_code, "mg", filler, filler + _leftover(aliquot)
            ),
            stock.component(Role.CAPSULE, formula.capsule_code, "each", batch, batch),
        ]
    else:
        assert formula.vehicle_code is not None
        vehicle = batch + _leftover(aliquot)
        components.append(stock.component(Role.VEHICLE, formula.vehicle_code, "mL", batch, vehicle))
        bottle_size = bottle_for(quantity, settings.bottle_sizes_ml)
        if bottle_size is None:
            largest = max(settings.bottle_sizes_ml, default=0)
            containers = math.ceil(quantity / largest) if largest else 0
            bottle_size = largest or None
            stock.findings.append(
                Finding(
                    "no_bottle_large_enough",
                    Severity.HARD_STOP,
                    f"{quantity} mL does not fit the largest stocked bottle ({largest} mL): "
                    "split the fill or shorten the supply",
                )
            )
    count = Decimal(containers)
    components.append(stock.component(Role.CONTAINER, formula.container_code, "each", count, count))
    bud = _beyond_use(formula, settings, compounded_on, components)
    if supply_outlasts_bud(compounded_on, order.days_supply, bud):
        stock.findings.append(_supply_finding(order, bud))
    return Worksheet(
        mfr_id=formula.mfr_id,
        mfr_version=formula.mfr_version,
        formula_name=formula.name,
        dosage_form=formula.dosage_form,
        strength_mg=order.strength_mg,
        compounded_on=compounded_on,
        days_supply=order.days_supply,
        quantity=quantity,
        unit=formula.dosage_form.unit,
        overage_percent=formula.overage_percent,
        batch_quantity=batch,
        container_code=formula.container_code,
        containers=containers,
        bottle_size_ml=bottle_size,
        api=api,
        aliquot=aliquot,
        fill_weight_mg=fill_weight,
        api_per_capsule_mg=api_per_capsule,
        filler_per_capsule_mg=filler_per_capsule,
        components=tuple(components),
        storage=formula.storage,
        auxiliary=formula.auxiliary,
        beyond_use=bud,
        skipped_lots=tuple(skipped),
        findings=tuple(stock.findings),
    )
