"""Formula and price list versions as the administrator's pages show them, and the
ingredients' names for any page that names them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.models import Ingredient, MasterFormulationRecord, PriceList
from pharmacy.services.admin.formulary import VALIDATION_ERRORS, Trial, try_versions


@dataclass(frozen=True)
class FormulaVersion:
    id: int
    dosage_form: str
    version: int
    name: str
    formula: dict[str, Any]  # the record's JSON, as stored
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class PriceListVersion:
    id: int
    version: int
    prices: dict[str, Any]  # as stored
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class PriceLists:
    versions: tuple[PriceListVersion, ...]  # newest (the current one) first
    # A sample order of each dosage form priced with the current versions; none when
    # they cannot price one (the page says nothing rather than fail).
    trials: tuple[Trial, ...]


def formula_versions(session: Session) -> dict[str, list[FormulaVersion]]:
    """Every version of each dosage form's formula, newest (the current one) first."""
    records = session.scalars(
        select(MasterFormulationRecord).order_by(
            MasterFormulationRecord.dosage_form, MasterFormulationRecord.version.desc()
        )
    )
    by_form: dict[str, list[FormulaVersion]] = {}
    for record in records:
        by_form.setdefault(record.dosage_form, []).append(
            FormulaVersion(
                id=record.id,
                dosage_form=record.dosage_form,
                version=record.version,
                name=record.name,
                formula=record.formula,
                created_by=record.created_by,
                created_at=record.created_at,
            )
        )
    return by_form


def price_lists(session: Session, today: date) -> PriceLists:
    """Every price list version, and what the current one charges for sample orders.

    Read only: the transaction is ended here, so no admin's open page holds one.
    """
    versions = tuple(
        PriceListVersion(
            id=price_list.id,
            version=price_list.version,
            prices=price_list.prices,
            created_by=price_list.created_by,
            created_at=price_list.created_at,
        )
        for price_list in session.scalars(select(PriceList).order_by(PriceList.version.desc()))
    )
    try:
        trials = tuple(try_versions(session, today))
    except VALIDATION_ERRORS:
        trials = ()
    session.rollback()
    return PriceLists(versions, trials)


def ingredient_names(session: Session) -> dict[str, str]:
    """Each ingredient's name by its code."""
    return dict(session.execute(select(Ingredient.code, Ingredient.name)).all())
