"""The stock digest on the dashboard: lots expiring within 60 days and ingredients below
their reorder point, on the admin lots page and counted on the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from pharmacy.extensions import database
from pharmacy.models import Lot
from pharmacy.services.reads.stock import stock_digest


@pytest.fixture
def short_dated(app, pharmacy):
    """`short_dated(days)`: a lot of vials expiring in `days`, put out of use (quarantined)
    once the test ends: every other test shares this shelf, and its worksheets would
    take the short-dated vials first and be held for their beyond-use date."""
    added = []

    def add(days: int) -> str:
        added.append(
            pharmacy.add_lot("vial_cap", "40", expires_on=pharmacy.today + timedelta(days))
        )
        return added[-1]

    yield add
    with app.app_context():
        database.session.execute(
            update(Lot).where(Lot.lot_number.in_(added)).values(quarantined=True)
        )
        database.session.commit()


def test_the_digest_lists_a_lot_expiring_in_30_days_and_not_one_in_90(
    app, accounts, desk, today, short_dated
):
    soon, later = short_dated(30), short_dated(90)
    with app.app_context():
        digest = stock_digest(database.session, today)
    numbers = {lot.lot_number: lot.days_left for lot in digest.expiring}
    assert numbers[soon] == 30 and later not in numbers

    page = desk(accounts["admin"]).get("/admin/lots").get_data(as_text=True)
    panel = page[page.index('id="stock-digest"') : page.index("Lots on record")]
    assert f'data-lot="{soon}"' in panel and "in 30 days" in panel
    assert later not in panel
    assert "no mail server" in panel


def test_the_queue_counts_the_digest_for_pharmacists_and_admins(accounts, desk, short_dated):
    short_dated(10)
    for who in ("pharmacist", "admin"):
        assert 'id="stock-count"' in desk(accounts[who]).get("/").get_data(as_text=True)
    assert 'id="stock-count"' not in desk(accounts["technician"]).get("/").get_data(True)


def test_an_admin_sets_a_reorder_point_and_the_ingredient_shows_as_low(pharmacy, accounts, desk):
    admin = desk(accounts["admin"])
    code = "amber_bottle"
    url = f"/admin/ingredients/{code}/reorder-point"
    try:
        response = admin.post(url, {"reorder_point": "99999999"})
        assert response.status_code == 303
        page = admin.get("/admin/lots").get_data(as_text=True)
        low = page[page.index('id="digest-low"') :]
        assert f'data-ingredient="{code}"' in low[: low.index("</table>")]
        assert admin.post(url, {"reorder_point": "lots"}).status_code == 422
        tech = desk(accounts["technician"])
        assert tech.post(url, {"reorder_point": "1"}).status_code == 403
    finally:
        assert admin.post(url, {"reorder_point": ""}).status_code == 303
    page = admin.get("/admin/lots").get_data(as_text=True)
    assert f'data-ingredient="{code}"' not in page[: page.index("Lots on record")]
