"""Migrations 0012 (questions and versions), 0013 (webhooks) and 0014 (split fills) on a
pharmacy that already has orders, on each database: taken back to 0011 and up again,
every order keeps its fills and records, each fill reads as whole (first day 0, to the
end), and the pharmacy goes on working and refilling them."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import func, select

from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.migrations import alembic_config, upgrade
from pharmacy.models import Fill, Prescription, StatusChange, Worksheet
from tests.support.databases import fresh_database, stocked_app
from tests.support.orders import Orders
from tests.support.staff import created_staff


@pytest.fixture(params=["postgresql", "sqlite"])
def pharmacy(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        upgrade(url)
        with stocked_app(url, tmp_path) as app:
            yield url, app


def counts(app) -> dict[str, int]:
    with app.app_context():
        session = database.session
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Prescription, Fill, Worksheet, StatusChange)
        }


def test_orders_survive_the_round_trip_and_are_refilled_after_it(pharmacy):
    url, app = pharmacy
    orders = Orders(app, created_staff(app), patients="Migrated")
    dispensed = orders.dispensed(orders.ready())
    ready = orders.ready()
    before = counts(app)
    database.bound(app).engine.dispose()  # no connection of the app's holds a table

    command.downgrade(alembic_config(url), "0011")
    upgrade(url)

    assert counts(app) == before
    with app.app_context():
        session = database.session
        for rx in (dispensed, ready):
            row = session.get(Prescription, rx)
            assert (row.fill_first_day, row.fill_days, row.part_days) == (0, None, 30)
            assert row.version == 1 and row.question is None
        fill = session.scalar(select(Fill).where(Fill.prescription_id == dispensed))
        assert (fill.first_day, fill.days) == (0, None)
    assert orders.status(ready) == Status.READY
    orders.days_pass(dispensed, 30)
    assert orders.refill(dispensed) == 1
    orders.work(dispensed)
    assert orders.status(dispensed) == Status.READY
