"""Databases of the tests' own, migrated by Alembic, and the app on them.

PostgreSQL: a fresh database is made on the server named by TEST_DATABASE_URL
(default: this machine's, database `test`) and dropped afterwards. SQLite: a file in
the folder the test gives.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from pharmacy import create_app
from pharmacy.cli.demo import add_lots
from pharmacy.clock import pharmacy_today
from pharmacy.extensions import database
from pharmacy.migrations import upgrade
from pharmacy.models import (
    AuditEvent,
    IdempotencyKey,
    OutboxMessage,
    Patient,
    Prescriber,
    Prescription,
)
from pharmacy.services.reference.defaults import load_defaults

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


def stock(url: str) -> None:
    """Migrate the database at `url` and load the reference data and the demo lots, as
    the operator sets a pharmacy up; no connection is left open."""
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        load_defaults(database.session)
        add_lots(database.session, pharmacy_today(app.config))
    database.bound(app).engine.dispose()


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


def row_counts(app) -> dict[str, int]:
    """How many rows each table an order writes to holds: to prove a refusal wrote
    nothing."""
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
