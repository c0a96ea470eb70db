"""Migration 0017 (payments, shipments, counseling) on a pharmacy that already has orders,
on each database: the orders keep their fills and history, nothing is invented for
them, and the counter takes their money and ships them once it has run; taken back to
0016 and up again, the pharmacy goes on working."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import func, select

from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.migrations import alembic_config, upgrade
from pharmacy.models import CounselingOffer, Fill, Payment, Prescription, Shipment, StatusChange
from tests.support import counter as desk
from tests.support.databases import fresh_database, stocked_app
from tests.support.orders import Orders
from tests.support.staff import created_staff


@pytest.fixture(params=["postgresql", "sqlite"])
def pharmacy(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        upgrade(url, "0016")
        with stocked_app(url, tmp_path) as app:
            yield url, app


def counts(app, *models) -> dict[str, int]:
    with app.app_context():
        session = database.session
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in models
        }


def let_go(app) -> None:
    """Close the app's connections, as a deployment stops before it migrates."""
    with app.app_context():
        database.session.close()
        database.engine.dispose()


def test_orders_made_before_0017_are_paid_shipped_and_dispensed_after_it(pharmacy):
    url, app = pharmacy
    orders = Orders(app, created_staff(app), patients="Migrated")
    waiting = desk.verified(orders)  # verified, labelled, not yet paid
    ready = orders.ready()
    before = counts(app, Prescription, Fill, StatusChange)
    let_go(app)

    upgrade(url)

    assert counts(app, Prescription, Fill, StatusChange) == before
    assert counts(app, Payment, Shipment, CounselingOffer) == {
        "payments": 0,
        "shipments": 0,
        "counseling": 0,
    }
    assert orders.status(waiting) == Status.VERIFIED
    assert desk.due(orders, waiting) == desk.price(orders, waiting)
    orders.pay(waiting)
    desk.ship(orders, waiting)
    orders.dispensed(ready)
    assert (orders.status(waiting), orders.status(ready)) == (Status.SHIPPED, Status.DISPENSED)
    assert counts(app, Payment, Shipment, CounselingOffer) == {
        "payments": 2,
        "shipments": 1,
        "counseling": 2,
    }


def test_0017_goes_back_to_0016_and_up_again_with_money_on_record(pharmacy):
    url, app = pharmacy
    let_go(app)
    upgrade(url)
    orders = Orders(app, created_staff(app), patients="Migrated")
    shipped = orders.shipped(orders.ready())
    before = counts(app, Prescription, Fill, StatusChange)
    let_go(app)

    command.downgrade(alembic_config(url), "0016")
    upgrade(url)

    assert counts(app, Prescription, Fill, StatusChange) == before
    assert orders.status(shipped) == Status.SHIPPED
    rx = orders.dispensed(orders.ready())
    assert orders.status(rx) == Status.DISPENSED
