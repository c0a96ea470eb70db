"""What an administrator changes from the dashboard: staff accounts, clinics and their
API keys, formula and price list versions, ingredient lots.

Each change is one transaction with its audit event. Formulas and price lists are
never edited: a change is a new version, and orders keep the version they were made
and priced with. A new version must be usable before it is stored: it is tried on a
sample order of each dosage form, with the lots on the shelf now, and refused with the
reason if the worksheet or the price cannot be computed from it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pharmacy.domain import prescription as rx
from pharmacy.domain.compounding import Formula, compute_worksheet
from pharmacy.domain.passwords import password_problem
from pharmacy.domain.prescription import Problem
from pharmacy.domain.pricing import price_worksheet
from pharmacy.domain.written import reason_problem, tidy
from pharmacy.models import (
    ROLES,
    ApiKey,
    Clinic,
    Ingredient,
    Lot,
    MasterFormulationRecord,
    PriceList,
    User,
)
from pharmacy.services import Actor, Conflict, Invalid, NotFound, reference
from pharmacy.services.admin import api_keys, users
from pharmacy.services.records import trail
from pharmacy.services.worker import shelf

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")
LOT_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._/-]{0,59}")
VALIDATION_ERRORS = (KeyError, TypeError, ValueError, ArithmeticError, AttributeError)


def refused(*problems: tuple[str, str]) -> Invalid:
    error = Invalid([Problem(field, message) for field, message in problems])
    error.message = "; ".join(message for _, message in problems)
    error.args = (error.message,)
    return error


# --- staff accounts -----------------------------------------------------------------------


def add_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    full_name: str,
    role: str,
    password: str,
) -> User:
    username = username.strip().lower()
    problems = []
    if not USERNAME.fullmatch(username):
        problems.append(
            ("username", "use 2-40 lower-case letters, digits, dots, dashes or underscores")
        )
    if role not in ROLES:
        problems.append(("role", f"must be one of {', '.join(ROLES)}"))
    weak = password_problem(password, personal=[username, *full_name.split()])
    if weak:
        problems.append(("password", weak))
    if not full_name.strip() or len(full_name) > 200:
        problems.append(("full_name", "the person's name, as it appears on records"))
    if problems:
        raise refused(*problems)
    return users.create_user(session, username, role, password, actor, full_name=full_name.strip())


def set_user_active(session: Session, actor: Actor, user_id: int, active: bool) -> User:
    """Deactivate (or reactivate) an account. Accounts are never deleted: the records
    name the people who made, verified and dispensed each order."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"there is no user {user_id}")
    if not active and actor.kind == "user" and actor.id == str(user.id):
        session.rollback()
        raise Conflict("own_account", "you cannot deactivate your own account")
    if user.active != active:
        user.active = active
        trail.record(
            session, actor, "user.reactivated" if active else "user.deactivated", user_id=user.id
        )
    session.commit()
    return user


# --- clinics and API keys -----------------------------------------------------------------


def add_clinic(session: Session, actor: Actor, name: str) -> Clinic:
    name = " ".join(name.split())
    if not name or len(name) > 200 or not name.isprintable():
        raise refused(("name", "the clinic's name: 1 to 200 printable characters"))
    if session.scalar(select(Clinic.id).where(Clinic.name == name)) is not None:
        raise Conflict("clinic_exists", f"a clinic named {name!r} already exists")
    clinic = api_keys.clinic_named(session, name, create=True)
    trail.record(session, actor, "clinic.created", clinic_id=clinic.id)
    session.commit()
    return clinic


def issue_api_key(session: Session, actor: Actor, clinic_id: int) -> tuple[ApiKey, str]:
    """A new key for the clinic; the plaintext is returned once and never stored."""
    clinic = session.get(Clinic, clinic_id)
    if clinic is None:
        raise NotFound(f"there is no clinic {clinic_id}")
    key, plaintext = api_keys.create_api_key(session, clinic, actor)
    session.commit()
    return key, plaintext


def revoke_api_key(session: Session, actor: Actor, key_id: int) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"there is no API key {key_id}")
    if key.revoked_at is not None:
        session.rollback()
        raise Conflict("already_revoked", f"the key {key.prefix}… is already revoked")
    revoked = api_keys.revoke_api_key(session, key.prefix, actor)
    session.commit()
    return revoked


# --- formulas and price lists ---------------------------------------------------------------


@dataclass(frozen=True)
class Trial:
    """What a sample order would come to with a formula or price list version."""

    description: str
    quantity: str
    total: Decimal


SAMPLE_ORDERS = {
    # dosage form: (strength, daily dose, description)
    "capsule": (Decimal("1.5"), Decimal("1.5"), "1.5 mg capsules, 1 a day for 30 days"),
    "oral_liquid": (Decimal("1"), Decimal("4.5"), "1 mg/mL oral liquid, 4.5 mg a day for 30 days"),
}


def _sample(dosage_form: str) -> rx.PrescriptionOrder:
    strength, dose, _ = SAMPLE_ORDERS[dosage_form]
    return rx.PrescriptionOrder(
        prescriber=rx.Prescriber("1234567893", "Sample", "Prescriber", "000-000-0000"),
        patient=rx.Patient("Sample", "Patient", date(1980, 1, 1)),
        dosage_form=rx.DosageForm(dosage_form),
        strength_mg=strength,
        directions=rx.Directions((rx.DirectionStep(dose, 30),)),
        written_on=date(2000, 1, 1),
        days_supply=30,
    )


def try_versions(
    session: Session,
    today: date,
    *,
    formulas: dict[str, Formula] | None = None,
    prices: dict[str, Any] | None = None,
) -> list[Trial]:
    """Price a sample order of each dosage form with the given formula(s) and price
    list, or the current ones where none is given. Raises what the domain raises."""
    data = reference.current(session)
    lots = shelf(session)
    trials = []
    for dosage_form in SAMPLE_ORDERS:
        formula = (formulas or {}).get(dosage_form)
        if formula is None:
            formula = reference.formula_for(data, dosage_form)[1]
        worksheet = compute_worksheet(_sample(dosage_form), formula, lots, data.settings, today)
        price = price_worksheet(
            worksheet,
            prices if prices is not None else data.prices,
            0,
            data.ingredient_names,
        )
        unit = "capsules" if dosage_form == "capsule" else "mL"
        trials.append(
            Trial(SAMPLE_ORDERS[dosage_form][2], f"{worksheet.quantity} {unit}", price.total)
        )
    return trials


def new_formula_version(
    session: Session,
    actor: Actor,
    dosage_form: str,
    *,
    name: str,
    formula: Any,
    today: date,
) -> MasterFormulationRecord:
    """Store `formula` (the record's JSON) as the next version for `dosage_form`."""
    if dosage_form not in SAMPLE_ORDERS:
        raise NotFound(f"there is no formula for {dosage_form!r}")
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise refused(("name", "the formula's name: 1 to 200 characters"))
    if not isinstance(formula, dict):
        raise refused(("formula", "must be a JSON object"))
    current = session.scalar(
        select(func.max(MasterFormulationRecord.version)).where(
            MasterFormulationRecord.dosage_form == dosage_form
        )
    )
    version = (current or 0) + 1
    try:
        parsed = Formula.from_record(0, version, name, dosage_form, formula)
        try_versions(session, today, formulas={dosage_form: parsed})
    except VALIDATION_ERRORS as error:
        session.rollback()
        raise refused(("formula", f"cannot be used: {_why(error)}")) from None
    record = MasterFormulationRecord(
        dosage_form=dosage_form,
        version=version,
        name=name,
        formula=formula,
        created_by=actor.label,
    )
    session.add(record)
    _flush_new_version(session, "formula")
    trail.record(
        session,
        actor,
        "formula.version_created",
        mfr_id=record.id,
        dosage_form=dosage_form,
        version=version,
    )
    session.commit()
    return record


def new_price_list_version(
    session: Session, actor: Actor, prices: Any, *, today: date
) -> PriceList:
    if not isinstance(prices, dict):
        raise refused(("prices", "must be a JSON object"))
    try:
        for key in ("markup", "dispensing_fee", "minimum_price"):
            if key not in prices:
                raise KeyError(key)
        if Decimal(str(prices["markup"])) <= 0:
            raise ValueError("the markup must be more than 0")
        try_versions(session, today, prices=prices)
    except (*VALIDATION_ERRORS, InvalidOperation) as error:
        session.rollback()
        raise refused(("prices", f"cannot be used: {_why(error)}")) from None
    version = (session.scalar(select(func.max(PriceList.version))) or 0) + 1
    price_list = PriceList(version=version, prices=prices, created_by=actor.label)
    session.add(price_list)
    _flush_new_version(session, "price list")
    trail.record(
        session,
        actor,
        "price_list.version_created",
        price_list_id=price_list.id,
        version=version,
    )
    session.commit()
    return price_list


def _why(error: BaseException) -> str:
    if isinstance(error, KeyError):
        return f"{error.args[0]!r} is missing"
    return str(error) or type(error).__name__


def _flush_new_version(session: Session, what: str) -> None:
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            "version_taken", f"someone saved a new {what} version at the same time; reload"
        ) from None


# --- lots ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LotReceipt:
    ingredient_code: str
    lot_number: str
    vendor: str
    expires_on: date | None
    received_on: date | None
    quantity: str
    form: str = ""
    molecular_weight: str = ""
    assay_percent: str = ""


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None


def receive_lot(session: Session, actor: Actor, receipt: LotReceipt, *, today: date) -> Lot:
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
    if ingredient is not None and ingredient.kind == "api":
        if not receipt.form.strip():
            problems.append(("form", "the salt form on the certificate of analysis"))
        if weight is None or not 100 <= weight <= 1000:
            problems.append(("molecular_weight", "of the lot's form, e.g. 377.87"))
        if assay is None or not 50 < assay <= 110:
            problems.append(("assay_percent", "from the certificate of analysis, e.g. 99.2"))
    if problems:
        raise refused(*problems)
    assert ingredient is not None and quantity is not None
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
    session.commit()
    return lot


def set_quarantine(
    session: Session, actor: Actor, lot_id: int, *, quarantined: bool, reason: str
) -> Lot:
    """Quarantine a lot (never used again until released) or release it, with a reason."""
    lot = session.scalar(select(Lot).where(Lot.id == lot_id).with_for_update())
    if lot is None:
        raise NotFound(f"there is no lot {lot_id}")
    problem = reason_problem(reason)
    if problem is not None:
        session.rollback()
        raise refused(("reason", problem))
    if lot.quarantined == quarantined:
        session.rollback()
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
    session.commit()
    return lot


def lots_on_record(session: Session) -> Sequence[tuple[Lot, Ingredient]]:
    return session.execute(
        select(Lot, Ingredient).join(Ingredient).order_by(Ingredient.code, Lot.expires_on)
    ).all()
