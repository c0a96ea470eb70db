"""Migration 0006 on a pharmacy that already has orders: each order keeps the lists it
was screened on, and patients whose names read the same become one."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import text

from pharmacy.database import make_engine
from pharmacy.migrations import upgrade
from tests.support.databases import fresh_database

MEDICATIONS = [{"name": "Percocet 5/325", "rxnorm": None}]


def _order(connection, patient_id: int) -> None:
    connection.execute(
        text(
            "INSERT INTO prescriptions (uid, clinic_id, prescriber_id, patient_id, status, "
            "dosage_form, strength_mg, times_per_day, days_supply, refills, written_on, "
            "as_sent, created_at, updated_at) VALUES (:uid, 1, 1, :patient, 'ready', "
            "'capsule', 1.5, 1, 30, 0, '2026-11-20', '{}', CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP)"
        ),
        {"uid": str(uuid.uuid4()), "patient": patient_id},
    )
    connection.execute(
        text(
            "INSERT INTO direction_steps (prescription_id, position, dose_mg, days) "
            "SELECT max(id), 0, 1.5, 30 FROM prescriptions"
        )
    )


def test_orders_keep_their_lists_and_patients_named_alike_become_one(database_kind, tmp_path):
    with fresh_database(database_kind, tmp_path) as url:
        upgrade(url, "0005")
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO clinics (name, created_at) VALUES ('C', CURRENT_TIMESTAMP)")
            )
            connection.execute(
                text(
                    "INSERT INTO prescribers (npi, first_name, last_name, phone, updated_at) "
                    "VALUES ('1234567893', 'Joe', 'Example', '614-555-0100', CURRENT_TIMESTAMP)"
                )
            )
            for last in ("Cate", "CATE"):
                connection.execute(
                    text(
                        "INSERT INTO patients (clinic_id, first_name, last_name, "
                        "date_of_birth, allergies, medications, conditions, updated_at, "
                        "first_name_key, last_name_key) VALUES (1, 'Dupli', :last, "
                        "'1970-01-01', '[\"sulfa\"]', :meds, '[]', CURRENT_TIMESTAMP, "
                        "'dupli', :key)"
                    ),
                    {"last": last, "meds": json.dumps(MEDICATIONS), "key": last.lower()},
                )
            ids = [row[0] for row in connection.execute(text("SELECT id FROM patients"))]
            for patient_id in ids:
                _order(connection, patient_id)
        engine.dispose()

        upgrade(url)
        engine = make_engine(url)
        with engine.begin() as connection:
            patients = connection.execute(text("SELECT id, last_name FROM patients")).all()
            orders = connection.execute(
                text(
                    "SELECT id, patient_id, medications, allergies, lists_on_record "
                    "FROM prescriptions ORDER BY id"
                )
            ).all()
            _order(connection, patients[0][0])
            numbers = [row[0] for row in connection.execute(text("SELECT id FROM prescriptions"))]
        engine.dispose()

    assert [tuple(p) for p in patients] == [(ids[0], "Cate")]
    assert [o.patient_id for o in orders] == [ids[0], ids[0]]
    for order in orders:
        loaded = [json.loads(v) if isinstance(v, str) else v for v in order[2:]]
        assert loaded == [MEDICATIONS, ["sulfa"], ["allergies", "medications", "conditions"]]
    # Rx numbers go on from where they were.
    assert sorted(numbers) == [1000001, 1000002, 1000003]
