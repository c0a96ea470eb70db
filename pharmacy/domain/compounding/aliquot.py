"""The aliquot method, for an API amount below the minimum weighable quantity."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from .inputs import Formula, LotStock
from .lots import Stock, take_api, take_api_by_weight
from .quantities import ML, mg
from .worksheet import Aliquot, AliquotKind, ApiLotShare

LIQUID_ALIQUOT_ML = Decimal("1.0")  # one measured mL of stock solution carries the batch's API


def triturate(
    lots: Sequence[LotStock],
    needed: Decimal,
    minimum: Decimal,
    formula: Formula,
    stock: Stock,
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


def stock_solution(
    lots: Sequence[LotStock],
    needed: Decimal,
    in_batch: Decimal,
    minimum: Decimal,
    formula: Formula,
    stock: Stock,
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
