"""Ingredient lots as they come in and go out of use: received with what the records
need (for the active ingredient, the certificate of analysis), quarantined or released
with a reason. A lot is never deleted: the compounding records name it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.domain.written import reason_problem, tidy
from pharmacy.models import Ingredient, Lot
from pharmacy.services import Actor, Conflict, NotFound
from pharmacy.services.admin.refusals import refused
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

LOT_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._/-]{0,59}")
ASSAY_BASES = ("as_is", "anhydrous", "dried")


@dataclass(frozen=True)
class LotReceipt:
    """A lot as written on the receiving form; every value is checked by `receive_lot`."""

    ingredient_code: str
    lot_number: str
    vendor: str
    expires_on: date | None
    received_on: date | None
    quantity: str
    form: str = ""
    molecular_weight: str = ""
    assay_percent: str = ""
    water_percent: str = ""
    assay_basis: str = "as_is"
    coa_number: str = ""


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None


def _certificate_problems(
    receipt: LotReceipt, water: Decimal | None, basis: str, coa: str
) -> list[tuple[str, str]]:
    """The water content and the assay's basis as the certificate of analysis gives them:
    an assay of the substance free of water (anhydrous, dried) needs the water content
    to be corrected for."""
    problems: list[tuple[str, str]] = []
    if basis not in ASSAY_BASES:
        problems.append(("assay_basis", "as is, anhydrous or dried, as the certificate says"))
    if receipt.water_percent.strip() and (water is None or not 0 <= water < 50):
        problems.append(("water_percent", "from 0 to under 50 %, e.g. 8.9 (Karl Fischer)"))
    elif water is not None and water != water.quantize(Decimal("0.01")):
        problems.append(("water_percent", "at most 2 decimals"))
    elif water is None and basis in ASSAY_BASES and basis != "as_is":
        problems.append(
            ("water_percent", f"needed for an assay on the {basis} basis, e.g. 8.9 (Karl Fischer)")
        )
    if len(coa) > 60:
        problems.append(("coa_number", "the certificate of analysis number, at most 60 characters"))
    return problems


def receive_lot(session: Session, actor: Actor, receipt: LotReceipt, *, today: date) -> Lot:
    with unit_of_work(session):
        ingredient = session.scalar(
            select(Ingredient).where(Ingredient.code == receipt.ingredient_code)
        )
        problems: list[tuple[str, str]] = []
        if ingredient is None:
            problems.append(("ingredient_code", "choose an ingredient"))
        number = receipt.lot_number.strip()
        if not LOT_NUMBER.fullmatch(number):
            problems.append(("lot_number", "the lot number as printed on the container"))
        vendor = " ".join(receipt.vendor.split())
        if not vendor or len(vendor) > 200:
            problems.append(("vendor", "who supplied the lot"))
        if receipt.received_on is None or receipt.received_on > today:
            problems.append(("received_on", "the day it arrived: today or earlier"))
        if receipt.expires_on is None or receipt.expires_on <= today:
            problems.append(("expires_on", "the expiry date on the label, after today"))
        quantity = _decimal(receipt.quantity)
        if quantity is None or quantity <= 0 or quantity != quantity.quantize(Decimal("0.01")):
            problems.append(("quantity", "the amount received, more than 0, at most 2 decimals"))
        weight = _decimal(receipt.molecular_weight) if receipt.molecular_weight.strip() else None
        assay = _decimal(receipt.assay_percent) if receipt.assay_percent.strip() else None
        water = _decimal(receipt.water_percent) if receipt.water_percent.strip() else None
        basis = receipt.assay_basis.strip() or "as_is"
        coa = " ".join(receipt.coa_number.split())
        if ingredient is not None and ingredient.kind == "api":
            if not receipt.form.strip():
                problems.append(("form", "the salt form on the certificate of analysis"))
            if weight is None or not 100 <= weight <= 1000:
                problems.append(("molecular_weight", "of the lot's form, e.g. 377.87"))
            if assay is None or not 50 < assay <= 110:
                problems.append(("assay_percent", "from the certificate of analysis, e.g. 99.2"))
            problems += _certificate_problems(receipt, water, basis, coa)
        if problems:
            raise refused(*problems)
        assert ingredient is not None and quantity is not None
        assert receipt.expires_on is not None
        taken = session.scalar(
            select(Lot.id).where(Lot.ingredient_id == ingredient.id, Lot.lot_number == number)
        )
        if taken is not None:
            raise Conflict("lot_exists", f"lot {number} of {ingredient.code} is already on record")
        lot = Lot(
            ingredient_id=ingredient.id,
            lot_number=number,
            vendor=vendor,
            expires_on=receipt.expires_on,
            received_on=receipt.received_on,
            quantity_on_hand=quantity,
            form=receipt.form.strip() or None if ingredient.kind == "api" else None,
            molecular_weight=weight if ingredient.kind == "api" else None,
            assay_percent=assay if ingredient.kind == "api" else None,
            water_percent=water if ingredient.kind == "api" else None,
            assay_basis=basis if ingredient.kind == "api" else "as_is",
            coa_number=coa or None,
        )
        session.add(lot)
        session.flush()
        trail.record(
            session,
            actor,
            "lot.received",
            lot_id=lot.id,
            ingredient_code=ingredient.code,
            lot_number=number,
            quantity=str(quantity),
            expires_on=receipt.expires_on.isoformat(),
        )
    return lot


def set_quarantine(
    session: Session, actor: Actor, lot_id: int, *, quarantined: bool, reason: str
) -> Lot:
    """Quarantine a lot (never used again until released) or release it, with a reason."""
    with unit_of_work(session):
        lot = session.scalar(select(Lot).where(Lot.id == lot_id).with_for_update())
        if lot is None:
            raise NotFound(f"there is no lot {lot_id}")
        problem = reason_problem(reason)
        if problem is not None:
            raise refused(("reason", problem))
        if lot.quarantined == quarantined:
            state = "quarantined" if quarantined else "not quarantined"
            raise Conflict("no_change", f"lot {lot.lot_number} is already {state}")
        lot.quarantined = quarantined
        trail.record(
            session,
            actor,
            "lot.quarantined" if quarantined else "lot.released",
            lot_id=lot.id,
            lot_number=lot.lot_number,
            reason=tidy(reason),
        )
    return lot
