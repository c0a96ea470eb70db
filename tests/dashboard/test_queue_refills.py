"""The work queue's tabs for the technician's work ahead: "Refills due" (the
prescriptions to refill before their patients run out, from their earliest refill day
less the pharmacy's lead) and "Renewals" (the requests waiting for a prescriber).

Renewal requests are counted over every prescription, so this module has a pharmacy of
its own.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest

from tests.support.databases import app_of_its_own
from tests.support.refills import rows_of
from tests.support.renewals import dispensed_days_ago, order, request_due

TAB = re.compile(r'data-status="(\w+)">\s*([^<]+?) <span class="count">([^<]+)</span>')
ROW = re.compile(r'<tr class="[^"]*" data-rx="(\d+)">')


@pytest.fixture(scope="module")
def app(database_kind, tmp_path_factory):
    with app_of_its_own(database_kind, tmp_path_factory.mktemp("desk-refills-due")) as app:
        yield app


def counts(page: str) -> dict[str, str]:
    return {tab: count for tab, _, count in TAB.findall(page)}


def due_page(station, query: str = "") -> str:
    response = station.get(f"/?view=refills_due&q={query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def listed(station, rx: int) -> bool:
    """Whether `rx` is in Refills due (searched for by its Rx number)."""
    return rx in [int(found) for found in ROW.findall(due_page(station, str(rx)))]


def days_until_due(app, pharmacy, rx: int) -> int:
    """Days from its dispensing until `rx` shows: 75 % of its days supply, less the lead."""
    wait = math.ceil(pharmacy.days_supply(rx) * 75 / 100)
    return wait - app.config["AUTO_REFILL_LEAD_DAYS"]


def test_a_dispensed_prescription_with_refills_left_is_due_from_its_day(
    app, desk, accounts, pharmacy
):
    station = desk(accounts["technician"])
    rx = dispensed_days_ago(pharmacy, 0, refills=2, auto_refill=True)
    pharmacy.days_pass(rx, days_until_due(app, pharmacy, rx) - 1)
    assert not listed(station, rx)  # the day before

    pharmacy.days_pass(rx, 1)

    assert listed(station, rx)
    [row] = rows_of(due_page(station, str(rx)), "refills-due")
    rx_cell, _, next_fill, due_on, _, automatic, _ = row
    assert rx_cell == str(rx)
    assert next_fill == "Refill 1 of 2"
    lead = timedelta(days=app.config["AUTO_REFILL_LEAD_DAYS"])
    assert due_on.split()[0] == (pharmacy.today + lead).isoformat()
    assert automatic == "on"


def test_no_refills_left_or_expired_is_never_due(app, desk, accounts, pharmacy):
    station = desk(accounts["technician"])
    spent = dispensed_days_ago(pharmacy, 29, refills=0)
    expired = dispensed_days_ago(pharmacy, 0, refills=2)
    pharmacy.days_pass(expired, 366)
    assert not listed(station, spent)
    assert not listed(station, expired)


def test_a_refilled_prescription_leaves_the_tab(desk, accounts, pharmacy):
    station = desk(accounts["technician"])
    rx = dispensed_days_ago(pharmacy, 0, refills=2)
    pharmacy.days_pass(rx, 25)
    assert listed(station, rx)

    pharmacy.refilled(rx)

    assert not listed(station, rx)


def test_the_tab_counts_the_refills_due_oldest_due_first(desk, accounts, pharmacy):
    station = desk(accounts["pharmacist"])
    # The count is made on the tab itself, not on every queue page.
    assert "refills_due" not in counts(station.get("/").get_data(as_text=True))
    before = int(counts(due_page(station))["refills_due"])
    later = dispensed_days_ago(pharmacy, 20, refills=1)
    sooner = dispensed_days_ago(pharmacy, 28, refills=1)
    dispensed_days_ago(pharmacy, 2, refills=1)  # not due yet

    page = due_page(station)

    assert int(counts(page)["refills_due"]) == before + 2
    shown = [int(found) for found in ROW.findall(page)]
    assert shown.index(sooner) < shown.index(later)


def test_the_renewals_tab_counts_the_pending_requests_and_links_to_them(desk, accounts, pharmacy):
    station = desk(accounts["technician"])
    request_due(pharmacy)  # those the other tests' orders need
    before = int(counts(station.get("/").get_data(as_text=True))["renewals"])
    dispensed_days_ago(pharmacy, 2, refills=0)
    order(pharmacy, refills=2)  # nothing to ask
    request_due(pharmacy)

    page = station.get("/").get_data(as_text=True)

    assert int(counts(page)["renewals"]) == before + 1
    assert 'href="/renewals"' in page
    assert "renewals" not in counts(desk(accounts["admin"]).get("/").get_data(as_text=True))
