"""Which lots are used, and how much is taken from each.

Lots are taken first-expiring-first-out. A lot is never used when it is quarantined,
empty, expired, or expires on the compounding day itself (it would make a preparation
that expires the day it is made). An API lot without a molecular weight or an assay on
record is not used either: its weight cannot be corrected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from pharmacy.domain.screening import Finding, Severity

from .inputs import LotStock
from .quantities import FACTOR, mg
from .worksheet import ApiLotShare, ComponentLine, LotPick, Role, SkippedLot


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
