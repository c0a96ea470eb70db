"""The compounding worksheet for an order, from a formula and the lots on the shelf."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from pharmacy.domain.beyond_use import BeyondUse, beyond_use_date, supply_outlasts_bud
from pharmacy.domain.prescription import DosageForm, PrescriptionOrder
from pharmacy.domain.screening import Finding, Severity

from .aliquot import stock_solution, triturate
from .inputs import CompoundingSettings, Formula, LotStock
from .lots import Stock, api_factors, api_picks, api_shares, plan_weighings, usable_lots
from .quantities import Balance, batch_quantity, bottle_for, mg, quantity_dispensed
from .worksheet import (
    Aliquot,
    AliquotKind,
    ApiCalculation,
    ComponentLine,
    Device,
    Role,
    Weighing,
    Worksheet,
)


def _api_plan(
    order: PrescriptionOrder,
    formula: Formula,
    batch: Decimal,
    balance: Balance,
    stock: Stock,
) -> tuple[ApiCalculation, Aliquot | None, ComponentLine]:
    """Naltrexone HCl for the batch, corrected per lot, with an aliquot below the MWQ."""
    code, reference_mw = formula.api_code, formula.api_reference_mw
    needed = mg(batch * order.strength_mg)
    lots = stock.lots(code)
    plan = plan_weighings(lots, needed, api_factors(lots, reference_mw), balance)
    shares = api_shares(plan)
    in_batch = plan.weighed
    uncovered = plan.uncovered
    aliquot: Aliquot | None = None
    if lots and uncovered:
        stock.short(code, needed, "mg", needed - mg(uncovered), " (as naltrexone HCl)")
    elif lots and not plan.mixable:
        stock.unmixable(code, balance.reading(needed), balance)
    elif lots and in_batch < balance.minimum_mg:
        if formula.dosage_form is DosageForm.CAPSULE:
            made = triturate(lots, needed, formula, stock, balance)
        else:
            made = stock_solution(lots, needed, in_batch, formula, stock, balance)
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
    line = ComponentLine(Role.API, code, "mg", needed, weighed, api_picks(shares, lots), shortfall)
    return calculation, aliquot, line


def _weighings(
    api: ApiCalculation,
    aliquot: Aliquot | None,
    filler: ComponentLine | None,
    filler_after: Decimal | None,
    balance: Balance,
) -> list[Weighing]:
    """What is put on the balance, in the order it is weighed."""
    steps: list[tuple[str, str, tuple[str, ...], Decimal]] = []
    api_lots = tuple(share.lot_number for share in api.shares)
    filler_lots = tuple(pick.lot_number for pick in filler.picks) if filler else ()
    if aliquot is not None and aliquot.kind is AliquotKind.TRITURATE:
        assert filler is not None and filler_after is not None
        steps += [
            ("Naltrexone HCl for the triturate", api.ingredient_code, api_lots, api.weighed_mg),
            (
                f"Filler to make the triturate ({aliquot.ratio_text})",
                filler.ingredient_code,
                filler_lots,
                aliquot.diluent_amount,
            ),
            (
                "Triturate portion for the batch",
                api.ingredient_code,
                api_lots,
                aliquot.portion_amount,
            ),
            ("Filler to add to the portion", filler.ingredient_code, filler_lots, filler_after),
        ]
    else:
        what = "Naltrexone HCl" + (" for the stock solution" if aliquot else "")
        steps += [
            (what, api.ingredient_code, (share.lot_number,), share.weigh_mg) for share in api.shares
        ]
        if filler is not None:
            steps += [
                (
                    "Filler for the batch",
                    filler.ingredient_code,
                    (pick.lot_number,),
                    pick.amount,
                )
                for pick in filler.picks
            ]
    return [
        Weighing(what, code, lots, target, *balance.window(target))
        for what, code, lots, target in steps
    ]


def _below_minimum(weighings: Sequence[Weighing], balance: Balance) -> list[Finding]:
    """A weighing the balance cannot make is never printed as if it could."""
    return [
        Finding(
            "below_mwq",
            Severity.HARD_STOP,
            f"{w.what}: {w.target_mg} mg is below the minimum weighable quantity "
            f"({balance.minimum_mg} mg): make a larger batch or weigh it on a finer balance",
        )
        for w in weighings
        if w.target_mg < balance.minimum_mg
    ]


def _syringe(order: PrescriptionOrder, containers: int) -> Device:
    volumes = sorted({step.dose_mg / order.strength_mg for step in order.directions.steps})
    doses = ", ".join(f"{volume.normalize():f}" for volume in volumes)
    return Device(
        "oral_syringe",
        f"Oral syringe marked in 0.1 mL, for doses of {doses} mL",
        max(containers, 1),
    )


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
    usable, skipped = usable_lots(lots, codes, compounded_on, formula.api_code)
    stock = Stock(usable, skipped, [])
    balance = Balance.of(
        settings.balance_readability_mg,
        settings.minimum_weighable_quantity_mg,
        settings.weighing_tolerance_percent,
    )
    api, aliquot, api_line = _api_plan(order, formula, batch, balance, stock)
    components = [api_line]
    fill_weight = api_per_capsule = filler_per_capsule = None
    filler_line: ComponentLine | None = None
    filler_after: Decimal | None = None
    devices: tuple[Device, ...] = ()
    bottle_size: int | None = None
    containers = 1
    if formula.dosage_form is DosageForm.CAPSULE:
        assert formula.fill_weight_mg is not None
        assert formula.filler_code is not None and formula.capsule_code is not None
        fill_weight = formula.fill_weight_mg
        api_per_capsule = mg(api.in_batch_mg / batch)
        filler_per_capsule = mg(fill_weight - api.in_batch_mg / batch)
        filler = mg(fill_weight * batch - api.in_batch_mg)
        # What the balance shows: the batch's fill less the API (or the triturate portion).
        carried = aliquot.portion_amount if aliquot else api.in_batch_mg
        filler_after = balance.reading(fill_weight * batch - carried)
        used = filler_after + (aliquot.diluent_amount if aliquot else Decimal(0))
        filler_line = stock.component(Role.FILLER, formula.filler_code, "mg", filler, used, balance)
        components += [
            filler_line,
            stock.component(Role.CAPSULE, formula.capsule_code, "each", batch, batch),
        ]
    else:
        assert formula.vehicle_code is not None
        # the stock solution made beyond the 1 mL measured into the batch is discarded
        leftover = aliquot.diluent_amount - aliquot.diluent_in_portion if aliquot else 0
        vehicle = batch + leftover
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
    if formula.dosage_form is DosageForm.ORAL_LIQUID:
        devices = (_syringe(order, containers),)
    count = Decimal(containers)
    components.append(stock.component(Role.CONTAINER, formula.container_code, "each", count, count))
    weighings = _weighings(api, aliquot, filler_line, filler_after, balance)
    if not stock.findings:  # short stock already says why a weighing is off
        stock.findings.extend(_below_minimum(weighings, balance))
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
        balance=balance,
        weighings=tuple(weighings),
        devices=devices,
    )
