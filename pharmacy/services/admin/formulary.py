"""Formula and price list versions. Neither is ever edited: a change is a new version,
and orders keep the version they were made and priced with.

A new version must be usable before it is stored: it is tried on a sample order of each
dosage form, with the lots on the shelf now, and refused with the reason if the
worksheet or the price cannot be computed from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pharmacy.domain import prescription as rx
from pharmacy.domain.compounding import Formula, compute_worksheet
from pharmacy.domain.pricing import price_worksheet
from pharmacy.models import MasterFormulationRecord, PriceList
from pharmacy.services import Actor, Conflict, NotFound, reference
from pharmacy.services.admin.refusals import refused
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work
from pharmacy.services.worker import shelf

# What the domain raises for a formula or price list it cannot compute with.
VALIDATION_ERRORS = (KeyError, TypeError, ValueError, ArithmeticError, AttributeError)


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
DOSAGE_FORMS = tuple(SAMPLE_ORDERS)


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
    with unit_of_work(session):
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
    return record


def new_price_list_version(
    session: Session, actor: Actor, prices: Any, *, today: date
) -> PriceList:
    if not isinstance(prices, dict):
        raise refused(("prices", "must be a JSON object"))
    with unit_of_work(session):
        try:
            for key in ("markup", "dispensing_fee", "minimum_price"):
                if key not in prices:
                    raise KeyError(key)
            if Decimal(str(prices["markup"])) <= 0:
                raise ValueError("the markup must be more than 0")
            try_versions(session, today, prices=prices)
        except (*VALIDATION_ERRORS, InvalidOperation) as error:
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
    return price_list


def _why(error: BaseException) -> str:
    if isinstance(error, KeyError):
        return f"{error.args[0]!r} is missing"
    return str(error) or type(error).__name__


def _flush_new_version(session: Session, what: str) -> None:
    """Two administrators saving a version at once: the second is told, not failed."""
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            "version_taken", f"someone saved a new {what} version at the same time; reload"
        ) from None
