"""Pooled connections: one that sat idle is checked before use, and handed over ready
for whatever its user does next, orders taken in autocommit included."""

from importlib import import_module

import pytest
from sqlalchemy import text

from pharmacy import create_app
from pharmacy.extensions import database as app_database
from tests.support.clinics import make_clinic

# The module, not the `database` extension the package exports under the same name.
engines = import_module("pharmacy.database")


@pytest.fixture
def pinging_app(monkeypatch, postgresql_url, tmp_path):
    """The app with every pooled connection counted as idle: each checkout pings."""
    monkeypatch.setattr(engines, "IDLE_BEFORE_PING_S", 0.0)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": postgresql_url,
            "BROKER_URL": f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    yield app
    app_database.bound(app).engine.dispose()


def test_a_pinged_connection_is_handed_over_outside_a_transaction(pinging_app):
    engine = app_database.bound(pinging_app).engine
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        connection.commit()
    with engine.connect() as connection:  # the same connection, pinged on its way out
        status = connection.connection.dbapi_connection.info.transaction_status.name
        assert status == "IDLE"
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        assert autocommit.execute(text("SELECT 2")).scalar() == 2


def test_orders_are_taken_and_read_after_the_pool_sat_idle(pinging_app, prescription):
    clinic = make_clinic(pinging_app)
    client = pinging_app.test_client()
    for _ in range(3):  # each request checks out connections that were idle
        created = client.post("/api/v1/prescriptions", json=prescription, headers=clinic.headers)
        assert created.status_code == 201, created.get_data(as_text=True)
        follow = client.get(created.headers["Location"], headers=clinic.headers)
        assert follow.status_code == 200
