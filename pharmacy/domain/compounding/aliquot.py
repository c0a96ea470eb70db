"""The aliquot method, for an API amount below the minimum weighable quantity.

Every weighing is a reading of the balance and at least its MWQ: the API weighed for
the aliquot, the diluent, and (capsules) the portion of triturate put in the batch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from .inputs import Formula, LotStock
from .lots import Plan, Stock, api_factor, api_factors, api_shares, plan_weighings
from .quantities import ML, Balance, mg
from .worksheet import Aliquot, AliquotKind, ApiLotShare

LIQUID_ALIQUOT_ML = Decimal("1.0")  # one measured mL of stock solution carries the batch's API


def triturate(
    lots: Sequence[LotStock],
    needed: Decimal,
    formula: Formula,
    stock: Stock,
    balance: Balance,
) -> tuple[Aliquot, list[ApiLotShare], Decimal] | None:
    """Weigh the MWQ of API from one lot, dilute 1 in N with filler, weigh the portion.

    W = needed × the lot's factor is the lot powder the batch needs; N is the smallest
    whole ratio with W × N at least the MWQ, and the portion is W × N as the balance
    reads it, so it carries (portion / N) of lot powder. The MWQ is weighed from the
    first-expiring lot that holds it: two lots of less than the MWQ each are never mixed.
    """
    minimum = balance.minimum_mg
    lot = next((lot for lot in lots if lot.quantity_on_hand >= minimum), None)
    if lot is None:
        most = max((lot.quantity_on_hand for lot in lots), default=Decimal(0))
        stock.short(
            formula.api_code,
            minimum,
            "mg",
            most,
            " from one lot to weigh the MWQ for an aliquot",
        )
        return None
    factor = api_factor(lot, formula.api_reference_mw)
    (share,) = api_shares(Plan(((lot, factor, minimum),), Decimal(0)))
    share_weighed = share.weigh_mg
    in_batch_exact = needed * factor
    ratio = math.ceil(share_weighed / in_batch_exact)
    total = share_weighed * ratio
    portion = balance.reading(in_batch_exact * ratio)
    in_batch = mg(portion / ratio)
    assert formula.filler_code is not None
    aliquot = Aliquot(
        kind=AliquotKind.TRITURATE,
        ratio=ratio,
        api_weighed_mg=share_weighed,
        diluent_code=formula.filler_code,
        diluent_amount=total - share_weighed,
        stock_amount=total,
        portion_amount=portion,
        unit="mg",
        portion_api_mg=in_batch,
        portion_naltrexone_hcl_mg=mg(portion / ratio / factor),
        diluent_in_portion=mg(portion - portion / ratio),
    )
    return aliquot, [share], in_batch


def stock_solution(
    lots: Sequence[LotStock],
    needed: Decimal,
    in_batch: Decimal,
    formula: Formula,
    stock: Stock,
    balance: Balance,
) -> tuple[Aliquot, list[ApiLotShare], Decimal] | None:
    """Weigh N times the batch's API (at least the MWQ), make N mL, measure 1 mL of it.

    Volumes stay whole mL, measured exactly with an oral syringe; the balance carries
    the precision, so the API for N batches is one reading of it.
    """
    minimum = balance.minimum_mg
    factors = api_factors(lots, formula.api_reference_mw)
    ratio = math.ceil(minimum / in_batch)
    while True:
        plan = plan_weighings(lots, needed * ratio, factors, balance)
        if plan.uncovered:
            stock.short(
                formula.api_code,
                needed * ratio,
                "mg",
                mg(needed * ratio - plan.uncovered),
                " (as naltrexone HCl) to weigh the MWQ for an aliquot",
            )
            return None
        if not plan.mixable:
            stock.unmixable(formula.api_code, mg(needed * ratio), balance)
            return None
        if plan.weighed >= minimum:
            break
        ratio += 1
    shares = api_shares(plan)
    weighed = plan.weighed
    assert formula.vehicle_code is not None
    made_up = (LIQUID_ALIQUOT_ML * ratio).quantize(ML)
    carried = sum((share.naltrexone_hcl_mg for share in shares), Decimal(0))
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
        portion_naltrexone_hcl_mg=mg(carried / ratio),
        diluent_in_portion=LIQUID_ALIQUOT_ML,
    )
    return aliquot, shares, mg(weighed / ratio)
