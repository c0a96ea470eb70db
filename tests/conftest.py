"""Fixtures: a real database per backend (PostgreSQL and SQLite), migrated by Alembic.

PostgreSQL: a fresh database is created for the run on the server named by
TEST_DATABASE_URL (default: this machine's, database `test`) and dropped at the end.
"""

from __future__ import annotations

import contextlib
import copy
import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pharmacy import config, create_app
from pharmacy.api.examples import EXAMPLE_PRESCRIPTION
from pharmacy.cli.demo import add_lots
from pharmacy.clock import pharmacy_today
from pharmacy.extensions import database
from pharmacy.migrations import upgrade
from pharmacy.services import SYSTEM
from pharmacy.services.admin import api_keys
from pharmacy.services.reference.defaults import load_defaults

# Anything a test starts without naming its own folders writes here, not in the checkout.
os.environ["PHARMACY_INSTANCE"] = tempfile.mkdtemp(prefix="ldn-test-instance-")
# The suite signs in and submits from one address and a few keys far faster than any
# pharmacy: the limits are tested on their own (test_rate_limits), set low there.
os.environ.setdefault("API_RATE_LIMIT", "1000000 per minute")
os.environ.setdefault("LOGIN_RATE_LIMIT", "1000000 per minute")

SERVER_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextlib.contextmanager
def fresh_postgresql_database() -> Iterator[str]:
    """An empty database of its own on the test server, dropped afterwards."""
    server = make_url(SERVER_URL)
    name = f"ldn_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def fresh_database(kind: str, folder) -> Iterator[str]:
    if kind == "postgresql":
        with fresh_postgresql_database() as url:
            yield url
    else:
        yield f"sqlite:///{folder / f'{uuid.uuid4().hex[:8]}.sqlite'}"


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    with fresh_postgresql_database() as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'pharmacy.sqlite'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session", params=["postgresql", "sqlite"])
def database_kind(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(request, database_kind) -> str:
    return request.getfixturevalue(f"{database_kind}_url")


@contextlib.contextmanager
def stocked_app(database_url: str, folder) -> Iterator:
    """The app on a migrated database, with the reference data and lots loaded, its
    broker a file in `folder`; its connections are closed on the way out."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "BROKER_URL": f"sqla+sqlite:///{folder / 'broker.sqlite'}",
            "INSTANCE_PATH": str(folder),
        }
    )
    with app.app_context():
        load_defaults(database.session)
        add_lots(database.session, pharmacy_today(app.config))
    try:
        yield app
    finally:
        database.bound(app).engine.dispose()


@contextlib.contextmanager
def app_of_its_own(kind: str, folder) -> Iterator:
    """A stocked app on a fresh database of its own, for tests that change what every
    other test relies on (settings, formulas, the queue of waiting orders)."""
    with fresh_database(kind, folder) as url:
        upgrade(url)
        with stocked_app(url, folder) as app:
            yield app


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    with stocked_app(database_url, tmp_path_factory.mktemp("instance")) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    with app.app_context():
        yield database.session


@pytest.fixture
def today() -> date:
    return pharmacy_today(config.from_environment())


@dataclass
class ClinicAccess:
    id: int
    name: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def make_clinic(app, name: str | None = None) -> ClinicAccess:
    with app.app_context():
        session = database.session
        clinic = api_keys.clinic_named(
            session, name or f"Clinic {uuid.uuid4().hex[:8]}", create=True
        )
        _, key = api_keys.create_api_key(session, clinic, SYSTEM)
        session.commit()
        return ClinicAccess(clinic.id, clinic.name, key)


@pytest.fixture
def clinic(app) -> ClinicAccess:
    return make_clinic(app)


@pytest.fixture
def other_clinic(app) -> ClinicAccess:
    return make_clinic(app)


VALID_PRESCRIPTION = EXAMPLE_PRESCRIPTION


@pytest.fixture
def prescription(today) -> dict:
    """A fresh copy of the api.md example, written yesterday so it is always current."""
    body = copy.deepcopy(VALID_PRESCRIPTION)
    body["written_on"] = (today - timedelta(days=1)).isoformat()
    return body


@pytest.fixture
def stored(app):
    """A snapshot of what the database holds, to prove a refusal wrote nothing."""
    from sqlalchemy import func, select

    from pharmacy.models import (
        AuditEvent,
        IdempotencyKey,
        OutboxMessage,
        Patient,
        Prescriber,
        Prescription,
    )

    def snapshot() -> dict[str, int]:
        with app.app_context():
            session = database.session
            return {
                model.__tablename__: session.scalar(select(func.count()).select_from(model))
                for model in (
                    Prescription,
                    AuditEvent,
                    OutboxMessage,
                    Patient,
                    Prescriber,
                    IdempotencyKey,
                )
            }

    return snapshot
