"""On PostgreSQL the app connects as a role that can only add to the audit trail and
the status history: it cannot edit them, nor switch their triggers off."""

from __future__ import annotations

import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from pharmacy import create_app
from pharmacy.cli import main
from pharmacy.extensions import database
from pharmacy.services import worker as work
from tests.support.clinics import make_clinic
from tests.support.databases import fresh_postgresql_database
from tests.support.orders import VALID_PRESCRIPTION


@pytest.fixture
def app_role(tmp_path):
    """A fresh database migrated by its owner, and a login role for the app."""
    role = f"ldn_app_{uuid.uuid4().hex[:8]}"
    with fresh_postgresql_database() as owner_url:
        admin = create_engine(owner_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE ROLE {role} LOGIN"))
        env = {
            "DATABASE_URL": make_url(owner_url).set(username=role).render_as_string(False),
            "MIGRATION_DATABASE_URL": owner_url,
            "APP_DATABASE_ROLE": role,
            "PHARMACY_INSTANCE": str(tmp_path),
        }
        try:
            result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
            assert result.exit_code == 0, result.output
            assert f"granted the app role {role}" in result.output
            yield env["DATABASE_URL"]
        finally:
            with admin.connect() as connection:
                connection.execute(text(f"DROP OWNED BY {role}"))
            admin.dispose()
            server = create_engine(
                make_url(owner_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
            )
            with server.connect() as connection:
                connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
            server.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'edited'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "UPDATE status_changes SET reason = 'edited'",
        "DELETE FROM status_changes",
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
        "ALTER TABLE status_changes DISABLE TRIGGER ALL",
        "SET session_replication_role = replica",
    ],
)
def test_the_app_role_cannot_edit_the_trail_or_switch_its_guard_off(app_role, statement):
    engine = create_engine(app_role)
    try:
        with engine.begin() as connection, pytest.raises(DBAPIError) as refused:
            connection.execute(text(statement))
        assert "permission denied" in str(refused.value) or "must be owner" in str(refused.value)
    finally:
        engine.dispose()


def test_the_service_works_as_the_app_role(app_role, tmp_path):
    app = create_app({"DATABASE_URL": app_role, "TESTING": True})
    try:
        clinic = make_clinic(app)
        body = {**VALID_PRESCRIPTION, "written_on": "2026-11-30"}
        created = app.test_client().post("/api/v1/prescriptions", json=body, headers=clinic.headers)
        assert created.status_code == 201, created.get_json()
        with app.app_context():
            status = work.work_prescription(
                database.session, int(created.get_json()["rx_number"]), today=None
            )
        assert status in ("ready", "on_hold")
    finally:
        database.bound(app).engine.dispose()


def test_the_status_history_refuses_edits_even_to_its_owner(postgresql_url):
    engine = create_engine(postgresql_url)
    try:
        with engine.begin() as connection, pytest.raises(DBAPIError) as refused:
            connection.execute(text("DELETE FROM status_changes"))
        assert "append-only" in str(refused.value)
    finally:
        engine.dispose()
