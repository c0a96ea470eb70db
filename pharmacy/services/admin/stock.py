"""Stock: an ingredient's reorder point (set by an administrator), and the daily stock
digest written to the audit trail ("stock.digest"). The pharmacy has no mail server:
the digest is read on the lots page and in the audit trail."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.models import Ingredient
from pharmacy.services import Actor, NotFound
from pharmacy.services.admin.refusals import refused
from pharmacy.services.reads.stock import StockDigest, stock_digest
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

TOO_LARGE = Decimal("1E10")  # the column holds less


def set_reorder_point(
    session: Session, actor: Actor, code: str, value: str, *, request_id: str | None = None
) -> Ingredient:
    """Set (or, with an empty value, clear) the ingredient's reorder point."""
    text = (value or "").strip()
    point: Decimal | None = None
    if text:
        try:
            point = Decimal(text)
        except InvalidOperation:
            raise refused(("reorder_point", "must be a number")) from None
        if not point.is_finite() or point < 0 or point >= TOO_LARGE:
            raise refused(("reorder_point", "must be 0 or more"))
        if point != point.quantize(Decimal("0.01")):
            raise refused(("reorder_point", "must have at most 2 decimals"))
    with unit_of_work(session):
        ingredient = session.scalar(
            select(Ingredient).where(Ingredient.code == code).with_for_update()
        )
        if ingredient is None:
            raise NotFound(f"there is no ingredient {code!r}")
        was = ingredient.reorder_point
        ingredient.reorder_point = point
        trail.record(
            session,
            actor,
            "ingredient.reorder_point_set",
            request_id=request_id,
            ingredient=code,
            reorder_point=None if point is None else str(point),
            was=None if was is None else str(was),
        )
    return ingredient


def record_digest(session: Session, actor: Actor, today: date) -> StockDigest:
    """Write the day's stock digest as an audit event: counts and the lots' ids."""
    with unit_of_work(session):
        digest = stock_digest(session, today)
        trail.record(
            session,
            actor,
            "stock.digest",
            day=today.isoformat(),
            window_days=digest.window_days,
            expiring=len(digest.expiring),
            expiring_lot_ids=[lot.id for lot in digest.expiring],
            below_reorder_point=len(digest.low),
            ingredients_low=[item.code for item in digest.low],
        )
    return digest
