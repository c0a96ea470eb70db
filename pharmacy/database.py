"""Engines and sessions, for the web app, the workers and the command line alike."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, exc, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

# The database, or the network to it, away for a moment: worth a 503 and a retry.
UNAVAILABLE = (OperationalError, InterfaceError)


def make_engine(url: str, **options: object) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **options)
    options.setdefault("pool_size", 5)
    options.setdefault("max_overflow", 10)
    engine = create_engine(url, **options)
    _ping_after_idle(engine, IDLE_BEFORE_PING_S)
    return engine


IDLE_BEFORE_PING_S = 5.0


def _ping_after_idle(engine: Engine, idle_s: float) -> None:
    """Check a pooled connection before use only when it has sat idle a while.

    A connection in steady use is known good, and pinging it on every request would
    add a round trip to each; one idle long enough may have been cut (a database
    restart, a firewall), so it is pinged and replaced if dead. A connection that dies
    while busy fails its request with a 503, and the pool then drops every connection
    of that age.
    """

    @event.listens_for(engine, "checkin")
    def _stamp(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_s:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            # The ping opened a transaction: hand the connection over outside one, so
            # its user may still switch it to autocommit.
            dbapi_connection.rollback()
        except Exception as error:
            raise exc.DisconnectionError() from error


def _sqlite_engine(url: str, **options: object) -> Engine:
    """SQLite for the embedded default, made safe for a web process and a worker at once.

    Each transaction takes the write lock when it begins (BEGIN IMMEDIATE), so two
    writers queue behind each other instead of failing half-way with "database is
    locked"; WAL lets readers go on meanwhile.
    """
    engine = create_engine(url, connect_args={"timeout": 30}, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" hook issues BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@contextmanager
def alone(engine: Engine) -> Iterator[Connection]:
    """A connection of its own for one statement, outside any transaction. On
    PostgreSQL it runs in autocommit: a single statement is atomic by itself, and there
    is no BEGIN or COMMIT round trip around it. SQLite's connection is in-process and
    runs its statement in a transaction of its own."""
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
    with connection:
        yield connection


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def find_or_insert(
    session: Session | Connection, table: Table, match: dict[str, Any], values: dict[str, Any]
) -> tuple[int, dict[str, Any] | None]:
    """The id of the row matching `match`, inserting `match | values` if there is none.

    Looks before it writes, so the common case (the row exists) takes no row lock, and
    two requests inserting the same row at once both end with the one row.
    Returns (id, stored) where `stored` holds the `values` columns of a row that was
    already there (so the caller can tell whether they changed), or None for a new row.
    """
    where = [table.c[name] == value for name, value in match.items()]
    columns = [table.c.id, *(table.c[name] for name in values)]
    existing = session.execute(select(*columns).where(*where)).first()
    if existing is None:
        bind = session.get_bind() if isinstance(session, Session) else session
        dialect = bind.dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(table).values(**match, **values).on_conflict_do_nothing()
        inserted = session.execute(statement.returning(table.c.id)).scalar()
        if inserted is not None:
            return inserted, None
        existing = session.execute(select(*columns).where(*where)).one()
    row = existing._asdict()
    return row.pop("id"), row
