"""The Renewals page: the prescriptions waiting for their prescriber's renewal, newest
first, for the pharmacists and technicians, linked from the work queue's header.

Beat's round looks at every prescription, so this module has a pharmacy of its own.
"""

from __future__ import annotations

import re

import pytest

from tests.support.databases import app_of_its_own
from tests.support.renewals import answer, dispensed_days_ago, last_event, order, request_due

ROW = re.compile(r'<tr data-rx="(\d+)">')
WRITTEN_FOR_EXPIRING = 356  # expires within the pharmacy's lead of 10 days


@pytest.fixture(scope="module")
def app(database_kind, tmp_path_factory):
    with app_of_its_own(database_kind, tmp_path_factory.mktemp("desk-renewals")) as app:
        yield app


def rows(page: str) -> list[int]:
    return [int(rx) for rx in ROW.findall(page)]


@pytest.mark.parametrize("role", ["technician", "pharmacist"])
def test_the_queue_links_the_renewals_for_the_bench(desk, accounts, role):
    station = desk(accounts[role])
    assert 'href="/renewals"' in station.get("/").get_data(as_text=True)
    response = station.get("/renewals")
    assert response.status_code == 200
    assert "No renewal is waiting" in response.get_data(as_text=True)  # none asked yet


def test_an_admin_has_no_renewals_to_answer(desk, accounts):
    station = desk(accounts["admin"])
    assert 'href="/renewals"' not in station.get("/").get_data(as_text=True)
    assert station.get("/renewals").status_code == 403


def test_the_waiting_renewals_newest_first_with_patient_and_reason(desk, accounts, pharmacy):
    no_refills = dispensed_days_ago(pharmacy, 2, refills=0, last_name="Deskrenewal-Ames")
    request_due(pharmacy)
    expiring = order(pharmacy, refills=2, last_name="Deskrenewal-Bo")
    pharmacy.days_pass(expiring, WRITTEN_FOR_EXPIRING - 1)
    request_due(pharmacy)
    declined = dispensed_days_ago(pharmacy, 2, refills=0, last_name="Deskrenewal-Cy")
    request_due(pharmacy)
    assert answer(pharmacy, declined, {"approved": False, "reason": "stopped"}).status_code == 200

    page = desk(accounts["technician"]).get("/renewals").get_data(as_text=True)

    assert rows(page)[:2] == [expiring, no_refills]
    assert declined not in rows(page)  # answered: no longer waiting
    assert "Deskrenewal-Ames" in page and "Deskrenewal-Bo" in page
    assert "No refills left" in page and "Expiring" in page
    assert pharmacy.today.isoformat() in page  # requested today
    viewed = last_event(pharmacy, "renewals.viewed")
    assert viewed.actor_type == "user"
    assert viewed.detail["rx_numbers"] == [str(rx) for rx in rows(page)]
