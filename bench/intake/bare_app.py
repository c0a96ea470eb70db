"""The floor for bench/intake: the least a Flask + SQLAlchemy service can do per order.

It takes the same POST and body as the real intake endpoint, parses the JSON, inserts
exactly one row through an ORM session and commits, then answers 201 with a small JSON.
No auth, validation, audit or outbox: whatever the real app costs beyond this is its own.
Run it as `gunicorn "bare_app:create_app()"` from this folder, with DATABASE_URL set.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from flask import Flask, jsonify, request
from sqlalchemy import JSON, DateTime, create_engine, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


class BareOrder(Base):
    """Its own table in the bench database, apart from the app's schema."""

    __tablename__ = "bench_bare_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # as the app keeps `as_sent`
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC)
    )


def create_app() -> Flask:
    # Plain engine defaults: no pre-ping, the pool's usual size; the floor is minimal.
    engine = create_engine(os.environ["DATABASE_URL"])
    sessions = sessionmaker(engine, expire_on_commit=False)
    app = Flask(__name__)

    # Same path as the real endpoint, so wrk's command differs only in the port.
    @app.post("/api/v1/prescriptions")
    def submit():
        payload = request.get_json()
        with sessions() as session:
            order = BareOrder(body=payload)
            session.add(order)
            session.commit()
            return jsonify(id=order.id, status="received"), 201

    @app.get("/healthz")
    def health():
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return jsonify(status="ok")

    return app
