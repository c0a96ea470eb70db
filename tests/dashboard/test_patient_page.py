"""The patient's page: who the patient is, the lists on record, and every prescription
of theirs, newest first, each with its fills as the order page names them; reached from
the patient's name on the order page, audited, and open to the staff of every clinic.

Beat's round (which asks for renewals) looks at every prescription, so this module has a
pharmacy of its own.
"""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta

import pytest

from pharmacy.domain.refills import expires_on
from pharmacy.extensions import database
from pharmacy.models import Prescription
from tests.support.databases import app_of_its_own
from tests.support.orders import Orders
from tests.support.renewals import dispensed_days_ago, last_event, request_due

PATIENT_LINK = re.compile(r'href="/patients/(\d+)" id="patient-link"')
SECTION = re.compile(r'<section class="panel prescription" data-rx="(\d+)"')
FILL = re.compile(
    r'data-fill="(\d+)">\s*<td>\d+</td>\s*<td class="which">([^<]*)</td>\s*'
    r'<td class="status">([^<]*)</td>'
)


@pytest.fixture(scope="module")
def app(database_kind, tmp_path_factory):
    with app_of_its_own(database_kind, tmp_path_factory.mktemp("desk-patients")) as app:
        yield app


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def patient_of(station, rx: int) -> int:
    """The patient's id, read from the link on the order page."""
    found = PATIENT_LINK.search(station.get(f"/orders/{rx}").get_data(as_text=True))
    assert found, "the order page links its patient"
    return int(found.group(1))


def sections(page: str) -> dict[int, str]:
    """Each prescription's part of the page, by Rx number, in the page's order."""
    parts = SECTION.split(page)[1:]
    return {int(rx): part for rx, part in zip(parts[::2], parts[1::2], strict=True)}


def fills(section: str) -> list[tuple[int, str, str]]:
    return [(int(n), which.strip(), status.strip()) for n, which, status in FILL.findall(section)]


def written_on(app, rx: int):
    with app.app_context():
        return database.session.get(Prescription, rx).written_on


def test_the_page_lists_every_prescription_newest_first_with_its_fills(desk, accounts, pharmacy):
    name = f"Deskpatient-{uuid.uuid4().hex[:8]}"
    refilled = pharmacy.submit(last_name=name, refills=2)
    pharmacy.dispensed(refilled)
    pharmacy.days_pass(refilled, 30)
    pharmacy.refill(refilled)
    newer = pharmacy.submit(last_name=name, refills=2)
    station = desk(accounts["technician"])
    patient = patient_of(station, refilled)
    assert patient_of(station, newer) == patient

    response = station.get(f"/patients/{patient}")

    assert response.status_code == 200
    page = text(response)
    assert name in page
    assert "sulfa" in page and "levothyroxine 50 mcg daily" in page and "fibromyalgia" in page
    assert "renewal requested" not in page
    shown = sections(page)
    assert list(shown) == [newer, refilled]
    assert f'href="/orders/{refilled}"' in shown[refilled]
    assert fills(shown[refilled]) == [
        (0, "Original fill", "Dispensed"),
        (1, "Refill 1 of 2", "Received"),
    ]
    assert fills(shown[newer]) == [(0, "Original fill", "Received")]
    assert (pharmacy.today - timedelta(days=30)).isoformat() in shown[refilled]  # dispensed
    assert expires_on(written_on(pharmacy.app, refilled)).isoformat() in shown[refilled]
    assert "2 of 2" in shown[refilled]  # the refill in progress is not dispensed yet


def test_reading_the_page_is_audited_with_identifiers_only(desk, accounts, pharmacy):
    name = f"Deskpatient-{uuid.uuid4().hex[:8]}"
    rx = pharmacy.submit(last_name=name)
    station = desk(accounts["pharmacist"])
    patient = patient_of(station, rx)

    assert station.get(f"/patients/{patient}").status_code == 200

    viewed = last_event(pharmacy, "patient.viewed")
    assert viewed.actor_type == "user" and viewed.actor_id == str(accounts["pharmacist"].id)
    assert viewed.detail == {"patient_id": patient, "rx_numbers": [str(rx)]}
    assert name not in str(viewed.detail)


def test_a_pending_renewal_is_shown(desk, accounts, pharmacy):
    rx = dispensed_days_ago(pharmacy, 2, refills=0)
    request_due(pharmacy)
    station = desk(accounts["pharmacist"])

    page = text(station.get(f"/patients/{patient_of(station, rx)}"))

    assert "renewal requested" in page


def test_the_staff_see_every_clinic_s_patients_and_an_unknown_one_is_not_found(
    desk, accounts, pharmacy
):
    other = Orders(pharmacy.app, pharmacy.staff, patients="Deskelsewhere", lots="E")
    rx = other.submit()
    for role in ("technician", "pharmacist", "admin"):  # as the order page allows
        station = desk(accounts[role])
        response = station.get(f"/patients/{patient_of(station, rx)}")
        assert response.status_code == 200, role
        assert "Deskelsewhere" in text(response)
    assert desk(accounts["pharmacist"]).get("/patients/2147483647").status_code == 404
