"""Which lots are used, and how much is taken from each.

Lots are taken first-expiring-first-out. A lot is never used when it is quarantined,
empty, expired, or expires on the compounding day itself (it would make a preparation
that expires the day it is made). An API lot without a molecular weight or an assay on
record is not used either, nor one assayed on the anhydrous or dried basis without
its water content: its weight cannot be corrected.

What is weighed comes from one lot when one lot holds it all (the first-expiring such
lot). When lots must be mixed, each lot's weighing is still at least the MWQ: a lot
holding less is left on the shelf, and the last lot's part is made up to the MWQ by
taking less from the lots before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from pharmacy.domain.screening import Finding, Severity

from .inputs import LotStock
from .quantities import FACTOR, Balance, mg
from .worksheet import ApiLotShare, ComponentLine, LotPick, Role, SkippedLot

WATER_MW = Decimal("18.015")
# The waters of hydration a form's name declares (naltrexone HCl dihydrate: 2).
HYDRATES: dict[str, Decimal] = {
    "hemihydrate": Decimal("0.5"),
    "monohydrate": Decimal(1),
    "sesquihydrate": Decimal("1.5"),
    "dihydrate": Decimal(2),
    "trihydrate": Decimal(3),
    "tetrahydrate": Decimal(4),
    "pentahydrate": Decimal(5),
    "hexahydrate": Decimal(6),
}
ASSAY_BASES = ("as_is", "anhydrous", "dried")


def water_free_mw(lot: LotStock) -> Decimal:
    """The MW of the lot's form without its water of hydration (18.015 per water)."""
    assert lot.molecular_weight is not None
    name = (lot.form or "").lower()
    waters = next((count for word, count in HYDRATES.items() if word in name), Decimal(0))
    return lot.molecular_weight - waters * WATER_MW


def api_factor(lot: LotStock, reference_mw: Decimal) -> Decimal:
    """Mg of the lot's powder that carry 1 mg of the reference form (naltrexone HCl), to 6
    places: it corrects for the salt form, the water and the assay on its basis.

    As is (the certificate's assay is of the powder as it comes, water and all; the
    water content is shown but already counted in the assay):
        factor = (MW of the lot's form / MW ref) / (assay % / 100)
    Anhydrous or dried (the assay is of the substance free of water; the water content,
    Karl Fischer or loss on drying, hydrate water included, is corrected for apart):
        factor = (MW of the water-free form / MW ref) / (assay % / 100) / (1 − water % / 100)
    where a hydrate's water-free form weighs its MW less 18.015 per water of hydration,
    so the hydrate water is counted once, by the water content.

    Worked examples, naltrexone HCl dihydrate (MW 413.90, water-free 413.90 − 2 × 18.015
    = 377.87), reference naltrexone HCl 377.87:
    - assay 99.5 % as is: (413.90 / 377.87) / 0.995 = 1.100855;
    - assay 99.5 % anhydrous, water 8.9 %: (377.87 / 377.87) / 0.995 / 0.911 = 1.103211,
      so 144.00 mg of naltrexone HCl is 144.00 × 1.103211 = 158.86 mg of lot powder.
    """
    assert lot.molecular_weight is not None and lot.assay_percent is not None
    if lot.assay_basis == "as_is":
        factor = lot.molecular_weight / reference_mw / (lot.assay_percent / 100)
    else:
        assert lot.water_percent is not None
        factor = (
            water_free_mw(lot)
            / reference_mw
            / (lot.assay_percent / 100)
            / (1 - lot.water_percent / 100)
        )
    return factor.quantize(FACTOR, ROUND_HALF_UP)


def _why_unusable(lot: LotStock, compounded_on: date, api_code: str) -> str | None:
    if lot.quarantined:
        return "quarantined"
    if lot.expires_on < compounded_on:
        return f"expired {lot.expires_on.isoformat()}"
    if lot.expires_on == compounded_on:
        return "expires on the compounding day"
    if lot.quantity_on_hand <= 0:
        return "nothing on hand"
    if lot.ingredient_code != api_code:
        return None
    if lot.molecular_weight is None or not lot.assay_percent:
        return "no molecular weight or assay on record"
    if lot.assay_basis not in ASSAY_BASES:
        return f"assay basis {lot.assay_basis!r} is not one of {', '.join(ASSAY_BASES)}"
    if lot.assay_basis != "as_is" and (lot.water_percent is None or lot.water_percent >= 100):
        return f"no water content on record for an assay on the {lot.assay_basis} basis"
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


def _share(lot: LotStock, factor: Decimal, weigh: Decimal) -> ApiLotShare:
    assert lot.molecular_weight is not None and lot.assay_percent is not None
    return ApiLotShare(
        lot.lot_id,
        lot.lot_number,
        lot.form,
        lot.molecular_weight,
        lot.assay_percent,
        factor,
        mg(weigh / factor),
        weigh,
        lot.water_percent,
        lot.assay_basis,
        lot.coa_number,
    )


@dataclass(frozen=True)
class Plan:
    """Readings to weigh from lots: `parts` (lot, factor, reading), the reference amount
    the lots could not cover, and `mixable` False when lots must be mixed but one of
    them would give less than the MWQ."""

    parts: tuple[tuple[LotStock, Decimal, Decimal], ...]
    uncovered: Decimal
    mixable: bool = True

    @property
    def weighed(self) -> Decimal:
        return sum((weigh for _, _, weigh in self.parts), Decimal(0))


def plan_weighings(
    lots: Sequence[LotStock], amount: Decimal, factors: Sequence[Decimal], balance: Balance
) -> Plan:
    """Weigh enough to carry `amount` (of the reference form: lot powder ÷ factor).

    One lot if one holds it (the first-expiring such lot); else FEFO over the lots that
    hold at least the MWQ, each part at least the MWQ.
    """
    for lot, factor in zip(lots, factors, strict=True):
        weigh = balance.reading(amount * factor)
        if weigh <= lot.quantity_on_hand:
            return Plan(((lot, factor, weigh),), Decimal(0))
    minimum = balance.minimum_mg
    taken: list[list] = []
    remaining = amount
    for lot, factor in zip(lots, factors, strict=True):
        if remaining <= 0:
            break
        available = balance.at_most(lot.quantity_on_hand)
        if available < minimum:
            continue
        part = min(remaining, available / factor)
        taken.append([lot, factor, part])
        remaining -= part
    if remaining > 0 or not taken:
        # Short: what all the lots hold falls short. Else they hold enough, but only in
        # parts below the MWQ.
        held = sum(
            (lot.quantity_on_hand / f for lot, f in zip(lots, factors, strict=True)), Decimal(0)
        )
        uncovered = max(amount - held, Decimal(0))
        parts = tuple((lot, f, balance.at_most(part * f)) for lot, f, part in taken)
        return Plan(parts, uncovered, mixable=uncovered > 0)
    short = minimum / taken[-1][1] - taken[-1][2]  # of the reference form
    for earlier in reversed(taken[:-1]):
        if short <= 0:
            break
        spare = earlier[2] - minimum / earlier[1]
        moved = min(max(spare, Decimal(0)), short)
        earlier[2] -= moved
        taken[-1][2] += moved
        short -= moved
    parts = tuple(
        (lot, f, min(balance.reading(part * f), balance.at_most(lot.quantity_on_hand)))
        for lot, f, part in taken
    )
    return Plan(parts, Decimal(0), mixable=all(weigh >= minimum for _, _, weigh in parts))


def api_factors(lots: Sequence[LotStock], reference_mw: Decimal) -> list[Decimal]:
    return [api_factor(lot, reference_mw) for lot in lots]


def api_shares(plan: Plan) -> list[ApiLotShare]:
    return [_share(lot, factor, weigh) for lot, factor, weigh in plan.parts]


def api_picks(shares: Sequence[ApiLotShare], lots: Sequence[LotStock]) -> tuple[LotPick, ...]:
    by_id = {lot.lot_id: lot for lot in lots}
    return tuple(_pick(by_id[share.lot_id], share.weigh_mg) for share in shares)


def usable_lots(
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
class Stock:
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

    def unmixable(self, code: str, amount: Decimal, balance: Balance) -> None:
        self.findings.append(
            Finding(
                "lots_too_small",
                Severity.HARD_STOP,
                f"{code}: no usable lot holds the {amount} mg to weigh, and mixing lots "
                f"would weigh less than the minimum weighable quantity ({balance.minimum_mg} "
                "mg) from one of them: receive a larger lot",
            )
        )

    def component(
        self,
        role: Role,
        code: str,
        unit: str,
        needed: Decimal,
        used: Decimal,
        balance: Balance | None = None,
    ) -> ComponentLine:
        """A component taken from its lots: weighed ones (`balance` given) as the API is,
        from one lot if one holds it; counted and measured ones first-expiring first."""
        lots = self.lots(code)
        if not lots:
            return ComponentLine(role, code, unit, needed, used, (), used)
        if balance is not None:
            plan = plan_weighings(lots, used, [Decimal(1)] * len(lots), balance)
            picks = [_pick(lot, weigh) for lot, _, weigh in plan.parts]
            shortfall = plan.uncovered
            if not plan.mixable:
                self.unmixable(code, used, balance)
        else:
            picks, shortfall = take_fefo(lots, used)
        if shortfall:
            self.short(code, used, unit, used - shortfall, "")
        return ComponentLine(role, code, unit, needed, used, tuple(picks), shortfall)
