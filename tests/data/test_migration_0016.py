"""Migration 0016 on a pharmacy that already has formulas: each formula's latest version
(0015's capsule fill weight included) gets its procedure as a new version, the older
versions stay as they were; ingredients get an empty reorder point, compounding records
an empty list of steps."""

from __future__ import annotations

import copy
import json

from sqlalchemy import inspect, text

from pharmacy.database import make_engine
from pharmacy.migrations import upgrade
from pharmacy.services.reference.defaults import FORMULAS, PROCEDURE
from tests.support.databases import fresh_database


def _as_seeded_before(dosage_form: str) -> dict:
    """The formula as the pharmacy was seeded with it before 0015: 225 mg, no procedure."""
    record = next(r for r in FORMULAS if r["dosage_form"] == dosage_form)
    formula = copy.deepcopy(record["formula"])
    formula.pop("procedure"), formula.pop("equipment")
    if dosage_form == "capsule":
        formula["fill_weight_mg"] = "225"
    return {"name": record["name"], "formula": formula}


def _formulas(connection) -> dict[tuple[str, int], dict]:
    rows = connection.execute(
        text("SELECT dosage_form, version, formula, created_by FROM master_formulation_records")
    )
    found = {}
    for dosage_form, version, formula, created_by in rows:
        formula = json.loads(formula) if isinstance(formula, str) else formula
        found[(dosage_form, version)] = {"formula": formula, "created_by": created_by}
    return found


def test_each_formula_gets_its_procedure_as_a_new_version(database_kind, tmp_path):
    with fresh_database(database_kind, tmp_path) as url:
        upgrade(url, "0014")
        engine = make_engine(url)
        with engine.begin() as connection:
            for dosage_form in ("capsule", "oral_liquid"):
                seeded = _as_seeded_before(dosage_form)
                connection.execute(
                    text(
                        "INSERT INTO master_formulation_records (dosage_form, version, name, "
                        "formula, created_by, created_at) VALUES (:form, 1, :name, :formula, "
                        "'system:defaults', CURRENT_TIMESTAMP)"
                    ),
                    {
                        "form": dosage_form,
                        "name": seeded["name"],
                        "formula": json.dumps(seeded["formula"]),
                    },
                )
            connection.execute(
                text(
                    "INSERT INTO ingredients (code, name, kind, unit) "
                    "VALUES ('vial_cap', 'Amber vial', 'container', 'each')"
                )
            )
        engine.dispose()

        upgrade(url)
        engine = make_engine(url)
        with engine.begin() as connection:
            formulas = _formulas(connection)
            point = connection.execute(text("SELECT reorder_point FROM ingredients")).scalar()
        columns = {c["name"]: c for c in inspect(engine).get_columns("compounding_records")}
        engine.dispose()

    capsule_before = _as_seeded_before("capsule")["formula"]
    assert formulas[("capsule", 1)]["formula"] == capsule_before  # kept as it was
    latest = max(v for form, v in formulas if form == "capsule")
    made = formulas[("capsule", latest)]
    assert made["created_by"] == "migration:0016"
    assert made["formula"]["procedure"] == PROCEDURE["capsule"]
    assert made["formula"]["fill_weight_mg"] == "120"  # 0015's correction carried on
    assert "procedure" not in formulas[("capsule", latest - 1)]["formula"]

    liquid = formulas[("oral_liquid", 2)]
    assert liquid["formula"] == {
        **_as_seeded_before("oral_liquid")["formula"],
        "procedure": PROCEDURE["oral_liquid"],
        "equipment": liquid["formula"]["equipment"],
    }
    assert "procedure" not in formulas[("oral_liquid", 1)]["formula"]
    assert point is None
    assert columns["steps"]["nullable"] is False


def test_an_empty_database_gets_no_formula_from_the_migration(database_kind, tmp_path):
    with fresh_database(database_kind, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        with engine.begin() as connection:
            assert _formulas(connection) == {}  # the defaults' loader seeds it, procedure and all
        engine.dispose()
