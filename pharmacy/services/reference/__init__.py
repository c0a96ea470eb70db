"""The reference data a worker reads for every order, cached per process.

Formulas and price lists are versioned rows and settings carry their update time, so
one small query tells whether anything changed; only then is it all read again. Lots
are never cached: expiry, quarantine and stock must be read fresh for every order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pharmacy.domain.compounding import CompoundingSettings, Formula
from pharmacy.domain.drug_lexicon import DrugDataError, Lexicon
from pharmacy.models import (
    DrugDataVersion,
    Ingredient,
    MasterFormulationRecord,
    PriceList,
    Setting,
)
from pharmacy.services.reference import drug_data as drug_data_versions


@dataclass(frozen=True)
class ReferenceData:
    formulas: dict[str, tuple[int, Formula | Exception]]  # dosage form -> current version
    settings: CompoundingSettings
    price_list_id: int
    price_list_version: int
    prices: dict[str, Any]
    ingredient_names: dict[str, str]
    drug_data: tuple[int, Lexicon]  # the newest drug data version and its lexicon


_cache: dict[tuple[str, tuple[Any, ...]], ReferenceData] = {}


def current(session: Session) -> ReferenceData:
    """The current formulas, settings, price list, ingredient names and drug data."""
    stamp = session.execute(
        select(
            select(func.max(MasterFormulationRecord.id)).scalar_subquery(),
            select(func.max(PriceList.id)).scalar_subquery(),
            select(func.max(Setting.updated_at)).scalar_subquery(),
            select(func.count(Ingredient.id)).scalar_subquery(),
            select(func.max(DrugDataVersion.id)).scalar_subquery(),
        )
    ).one()
    key = (str(session.get_bind().url), tuple(stamp))
    cached = _cache.get(key)
    if cached is None:
        _cache.clear()  # only the newest versions are ever wanted
        cached = _cache[key] = _load(session, stamp[-1])
    return cached


def _load(session: Session, drug_data_version: int | None) -> ReferenceData:
    formulas: dict[str, tuple[int, MasterFormulationRecord]] = {}
    records = session.scalars(
        select(MasterFormulationRecord).order_by(MasterFormulationRecord.version)
    )
    for record in records:  # the last version of each form wins
        formulas[record.dosage_form] = (record.id, record)
    price_list = session.scalars(select(PriceList).order_by(PriceList.version.desc())).first()
    return ReferenceData(
        formulas={form: (mfr_id, _formula(record)) for form, (mfr_id, record) in formulas.items()},
        settings=CompoundingSettings.from_settings(
            {s.key: s.value for s in session.scalars(select(Setting))}
        ),
        price_list_id=price_list.id,
        price_list_version=price_list.version,
        prices=price_list.prices,
        ingredient_names={
            code: name for code, name in session.execute(select(Ingredient.code, Ingredient.name))
        },
        drug_data=_drug_data(session, drug_data_version),
    )


def _drug_data(session: Session, version: int | None) -> tuple[int, Lexicon]:
    if version is None:
        raise DrugDataError("no drug data is loaded: run pharmacy db upgrade")
    return version, drug_data_versions.of_version(session, version)


def _formula(record: MasterFormulationRecord) -> Formula | Exception:
    # A broken record spoils only the orders of its own dosage form, and those are held
    # with the reason when they are worked.
    try:
        return Formula.from_record(
            record.id, record.version, record.name, record.dosage_form, record.formula
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as error:
        return error


def formula_for(data: ReferenceData, dosage_form: str) -> tuple[int, Formula]:
    mfr_id, formula = data.formulas[dosage_form]
    if isinstance(formula, Exception):
        raise formula
    return mfr_id, formula
