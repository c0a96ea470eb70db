"""The live floor for bench/pipeline: the least a Flask + SQLAlchemy + Celery service
does for one order, from the request to the end of its task.

Its POST takes the same path and body as the real intake endpoint, parses the JSON,
inserts exactly one row through an ORM session and commits, then sends one task by
name through Celery's own producer (`send_task`) to the Redis broker, where
noop_app.py's worker takes it and only records that it ran. It answers 201 with a
small JSON. No auth, validation, screening, audit or outbox, and a task that does
nothing: whatever the service costs beyond this, request and task together, is its own.

No project code: run.py serves it in-process through Flask's test client, as it serves
the service, so both go through the same client path; its table lives in a database of
its own on the same PostgreSQL server (run.py creates the table once, before measuring).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, jsonify, request
from noop_app import TASK_NAME  # this folder is on sys.path, for run.py as for celery
from noop_app import celery_app as tasks
from sqlalchemy import JSON, DateTime, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

PATH = "/api/v1/prescriptions"  # the real endpoint's, so the client's call is the same


class Base(DeclarativeBase):
    pass


class FloorOrder(Base):
    __tablename__ = "bench_floor_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # as the service keeps `as_sent`
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def create_app(database_url: str) -> Flask:
    # Plain engine defaults: no pre-ping, the pool's usual size; the floor is minimal.
    engine = create_engine(database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    app = Flask(__name__)
    app.extensions["floor_engine"] = engine  # for run.py to dispose of

    @app.post(PATH)
    def submit():
        payload = request.get_json()
        # The task carries when the order was stored, so run.py's latencies start where
        # the service's do: at the order's created_at.
        created = time.time()
        with sessions() as session:
            order = FloorOrder(body=payload, created_at=datetime.fromtimestamp(created, UTC))
            session.add(order)
            session.commit()
        # After the commit, as any service hands on only work it has stored. No retry,
        # as the service publishes: a broker that is down fails the request at once.
        tasks.send_task(TASK_NAME, kwargs={"sent_at": created}, retry=False)
        return jsonify(id=order.id, status="received"), 201

    return app
