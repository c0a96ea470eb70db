"""The data layer on each database: the audit trail cannot be edited, migrations run
both ways, and reference data is loaded once."""

import pytest
from sqlalchemy import create_engine, delete, func, inspect, select, update
from sqlalchemy.exc import DBAPIError

from pharmacy.extensions import database
from pharmacy.migrations import upgrade
from pharmacy.models import AuditEvent, MasterFormulationRecord, PriceList, Setting
from pharmacy.services import SYSTEM
from pharmacy.services.records import trail
from pharmacy.services.reference.defaults import load_defaults
from tests.support.clinics import make_clinic
from tests.support.databases import fresh_database


@pytest.fixture
def one_event(session):
    trail.record(session, SYSTEM, "test.event", note="kept forever")
    session.commit()
    return session.scalar(select(func.max(AuditEvent.id)))


@pytest.mark.parametrize(
    "statement",
    [
        lambda event_id: update(AuditEvent).where(AuditEvent.id == event_id).values(action="x"),
        lambda event_id: delete(AuditEvent).where(AuditEvent.id == event_id),
        lambda _: delete(AuditEvent),
    ],
)
def test_the_database_refuses_to_edit_or_delete_audit_events(session, one_event, statement):
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(statement(one_event))
    session.rollback()
    kept = session.get(AuditEvent, one_event)
    assert kept.action == "test.event" and kept.detail == {"note": "kept forever"}


def test_reference_data_is_loaded_once(session):
    assert load_defaults(session) == []  # the app fixture loaded it already
    forms = session.scalars(select(MasterFormulationRecord.dosage_form)).all()
    assert sorted(forms) == ["capsule", "oral_liquid"]
    [price_list] = session.scalars(select(PriceList)).all()
    assert price_list.prices["minimum_price"] == "20.00"
    assert session.get(Setting, "minimum_weighable_quantity_mg").value == "120"


def test_a_new_pharmacy_numbers_prescriptions_from_1000001(database_kind, tmp_path, prescription):
    from pharmacy import create_app

    with fresh_database(database_kind, tmp_path) as url:
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "TESTING": True})
        clinic = make_clinic(app)
        client = app.test_client()
        numbers = [
            client.post(
                "/api/v1/prescriptions", json=prescription, headers=clinic.headers
            ).get_json()["rx_number"]
            for _ in range(2)
        ]
        database.bound(app).engine.dispose()
    assert numbers == ["1000001", "1000002"]


def test_migrations_go_down_and_up_again(database_kind, tmp_path):
    from alembic import command

    from pharmacy.migrations import alembic_config

    with fresh_database(database_kind, tmp_path) as url:
        upgrade(url)
        command.downgrade(alembic_config(url), "base")
        engine = create_engine(url)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        engine.dispose()
        upgrade(url)
        command.downgrade(alembic_config(url), "base")
