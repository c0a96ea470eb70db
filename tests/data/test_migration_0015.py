"""Migration 0015 on a pharmacy that already has lots, formulas, prices and settings: every
lot so far was assayed as it is and has no water content or certificate number on
record; the capsule formula at the seeded 225 mg fill weight gets a new version at
120 mg, the old one kept; the price list gets a price for the oral syringe as a new
version; the balance joins the settings. Orders worked after it weigh by the new
version. The rows are put in at revision 0014 with raw SQL, as the database had them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import JSON, text

from pharmacy.database import make_engine
from pharmacy.extensions import database
from pharmacy.migrations import upgrade
from pharmacy.models import Worksheet
from pharmacy.services.reference.defaults import FORMULAS, INGREDIENTS, PRICES, SETTINGS
from tests.support.databases import fresh_database, stocked_app
from tests.support.orders import Orders
from tests.support.staff import created_staff

NEW_SETTINGS = ("balance_readability_mg", "weighing_tolerance_percent")


def insert(connection, table: str, **values) -> None:
    names = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    bound = {
        name: json.dumps(value) if isinstance(value, dict | list) else value
        for name, value in values.items()
    }
    connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), bound)


def at_0014(connection, now: str) -> None:
    """The seeded pharmacy before 0015: the capsule formula at 225 mg, no syringe price,
    no balance settings, an API lot and a filler lot."""
    for item in INGREDIENTS:
        insert(connection, "ingredients", **item)
    for record in FORMULAS:
        formula = {
            key: value
            for key, value in record["formula"].items()
            if key not in ("equipment", "procedure")
        }
        if record["dosage_form"] == "capsule":
            formula["fill_weight_mg"] = "225"
        insert(
            connection,
            "master_formulation_records",
            dosage_form=record["dosage_form"],
            version=1,
            name=record["name"],
            formula=formula,
            created_by="system:defaults",
            created_at=now,
        )
    prices = {k: v for k, v in PRICES.items() if k != "oral_syringe_each"}
    insert(connection, "price_lists", version=1, prices=prices, created_by="x", created_at=now)
    for key, value in SETTINGS.items():
        if key not in NEW_SETTINGS:
            insert(connection, "settings", key=key, value=json.dumps(value), updated_at=now)
    for code, number, mw, assay in (
        ("naltrexone_hcl", "NTX-OLD", "377.87", "99.2"),
        ("mcc_ph102", "MCC-OLD", None, None),
    ):
        connection.execute(
            text(
                "INSERT INTO lots (ingredient_id, lot_number, vendor, expires_on, received_on, "
                "molecular_weight, assay_percent, quantity_on_hand, quarantined) SELECT id, "
                ":number, 'Medisca', '2028-06-30', '2026-01-05', :mw, :assay, 5000, false "
                "FROM ingredients WHERE code = :code"
            ),
            {"number": number, "mw": mw, "assay": assay, "code": code},
        )


def test_lots_formulas_prices_and_settings_after_0015(database_kind, tmp_path):
    with fresh_database(database_kind, tmp_path) as url:
        upgrade(url, "0014")
        engine = make_engine(url)
        with engine.begin() as connection:
            at_0014(connection, datetime.now(UTC).isoformat(sep=" "))
        engine.dispose()

        upgrade(url, "0015")
        engine = make_engine(url)
        with engine.connect() as connection:
            lots = connection.execute(
                text(
                    "SELECT lot_number, water_percent, assay_basis, coa_number FROM lots "
                    "ORDER BY lot_number"
                )
            ).all()
            capsules = connection.execute(
                text(
                    "SELECT version, formula, created_by FROM master_formulation_records "
                    "WHERE dosage_form = 'capsule' ORDER BY version"
                ).columns(formula=JSON)
            ).all()
            liquids = connection.execute(
                text(
                    "SELECT version FROM master_formulation_records "
                    "WHERE dosage_form = 'oral_liquid'"
                )
            ).all()
            price_lists = connection.execute(
                text("SELECT version, prices FROM price_lists ORDER BY version").columns(
                    prices=JSON
                )
            ).all()
            settings = dict(
                connection.execute(
                    text("SELECT key, value FROM settings").columns(value=JSON)
                ).all()
            )
        engine.dispose()

        assert [tuple(lot) for lot in lots] == [
            ("MCC-OLD", None, "as_is", None),
            ("NTX-OLD", None, "as_is", None),
        ]

        (old_version, old, _), (new_version, new, by) = capsules
        assert (old_version, old["fill_weight_mg"]) == (1, "225")
        assert (new_version, new["fill_weight_mg"], by) == (2, "120", "system:migration 0015")
        assert {k: v for k, v in new.items() if k != "fill_weight_mg"} == {
            k: v for k, v in old.items() if k != "fill_weight_mg"
        }
        assert [row.version for row in liquids] == [1]
        assert [row.version for row in price_lists] == [1, 2]
        assert "oral_syringe_each" not in price_lists[0].prices
        assert price_lists[1].prices["oral_syringe_each"] == "0.30"
        assert {key: settings[key] for key in NEW_SETTINGS} == {
            "balance_readability_mg": "1",
            "weighing_tolerance_percent": "5",
        }

        upgrade(url)
        with stocked_app(url, tmp_path) as app:
            orders = Orders(app, created_staff(app), patients="Migrated")
            rx = orders.submit()
            orders.work(rx)
            with app.app_context():
                sheet = database.session.query(Worksheet).filter_by(prescription_id=rx).one()
                assert Decimal(sheet.data["fill_weight_mg"]) == Decimal("120")
                assert sheet.data["mfr_version"] >= 2
                assert all(
                    Decimal(w["target_mg"]) >= 120 and "." not in w["target_mg"]
                    for w in sheet.data["weighings"]
                )


def test_a_fill_weight_the_pharmacy_set_itself_is_left_as_it_is(tmp_path):
    with fresh_database("sqlite", tmp_path) as url:
        upgrade(url, "0014")
        engine = make_engine(url)
        with engine.begin() as connection:
            at_0014(connection, "2026-11-01 09:00:00")
            connection.execute(
                text(
                    "UPDATE master_formulation_records SET formula = :formula "
                    "WHERE dosage_form = 'capsule'"
                ),
                {"formula": json.dumps({**FORMULAS[0]["formula"], "fill_weight_mg": "135"})},
            )
        engine.dispose()
        upgrade(url, "0015")
        engine = make_engine(url)
        with engine.connect() as connection:
            versions = connection.execute(
                text("SELECT version FROM master_formulation_records WHERE dosage_form = 'capsule'")
            ).all()
        engine.dispose()
        assert [row.version for row in versions] == [1]
