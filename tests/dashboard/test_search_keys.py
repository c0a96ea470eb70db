"""Patient names folded for the queue's search, and migration 0004 filling them in for
patients stored before it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from pharmacy.database import make_engine
from pharmacy.domain.search import name_key, name_terms
from pharmacy.migrations import upgrade
from tests.support.databases import fresh_database


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Lovelace", "lovelace"),
        ("NÚÑEZ", "nunez"),
        ("Siobhán O'Brien", "siobhan o'brien"),
        ("Straße", "strasse"),
        ("  Mary   Ann ", "mary ann"),
        ("小龙", "小龙"),
        ("Ｆｕｌｌ", "full"),  # full-width letters
    ],
)
def test_a_name_is_folded_for_searching(name, key):
    assert name_key(name) == key


def test_a_query_is_split_into_folded_words():
    assert name_terms("Lovelace, Ada") == ("lovelace", "ada")
    assert name_terms("  ") == ()


def test_migration_0004_fills_in_the_keys_of_patients_already_stored(database_kind, tmp_path):
    with fresh_database(database_kind, tmp_path) as url:
        upgrade(url, "0003")
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO clinics (name, created_at) VALUES ('C', CURRENT_TIMESTAMP)")
            )
            connection.execute(
                text(
                    "INSERT INTO patients (clinic_id, first_name, last_name, date_of_birth, "
                    "allergies, medications, conditions, updated_at) VALUES "
                    "(1, 'José', 'Núñez', '1975-06-30', '[]', '[]', '[]', CURRENT_TIMESTAMP)"
                )
            )
        engine.dispose()
        upgrade(url)
        engine = make_engine(url)
        with engine.connect() as connection:
            keys = connection.execute(
                text("SELECT first_name_key, last_name_key FROM patients")
            ).all()
        engine.dispose()
    assert [tuple(row) for row in keys] == [("jose", "nunez")]
