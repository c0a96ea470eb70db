"""A lot recall: every fill made with a lot, across the fills of one prescription, with
its patient, prescriber and dispensing day; as a page, a CSV and a PDF, each audited;
for pharmacists and administrators only."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest
from sqlalchemy import select

from pharmacy.extensions import database
from pharmacy.models import AuditEvent, Lot
from tests.support.pdf import page_texts

API = "naltrexone_hcl"


def _with_lot(pharmacy, rx, lot_number):
    entry = pharmacy.entry(rx)
    weight = pharmacy.plan(rx).fill_weight_mg
    return replace(
        entry,
        components=tuple(
            replace(use, lot_number=lot_number) if use.ingredient_code == API else use
            for use in entry.components
        ),
        capsule_weights_mg=(weight,) * 5,
    )


def _made_with(pharmacy, rx, lot_number):
    pharmacy.call("record_compounding", "technician", rx, _with_lot(pharmacy, rx, lot_number))


def _lot_id(app, number):
    with app.app_context():
        return database.session.scalar(select(Lot.id).where(Lot.lot_number == number))


@pytest.fixture(scope="module")
def recalled(app, pharmacy):
    """One prescription's original fill and refill made with lot A, and its second refill,
    and another patient's order, made with lot B."""
    lot_a, lot_b = pharmacy.add_lot(API, "50000"), pharmacy.add_lot(API, "50000")
    rx = pharmacy.submit(refills=2)
    pharmacy.work(rx)
    _made_with(pharmacy, rx, lot_a)
    pharmacy.dispensed(rx)
    pharmacy.refilled(rx)
    _made_with(pharmacy, rx, lot_a)
    pharmacy.dispensed(rx)
    pharmacy.refilled(rx)
    _made_with(pharmacy, rx, lot_b)  # the second refill: another lot
    other = pharmacy.ready()
    _made_with(pharmacy, other, lot_b)
    return {"rx": rx, "other": other, "a": _lot_id(app, lot_a), "b": _lot_id(app, lot_b)}


def _events(app, action):
    with app.app_context():
        return database.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()


def test_the_recall_lists_exactly_the_fills_made_with_the_lot(app, recalled, accounts, desk):
    pharmacist = desk(accounts["pharmacist"])
    page = pharmacist.get(f"/lots/{recalled['a']}/recall")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rx = recalled["rx"]
    assert html.count(f'data-rx="{rx}"') == 2
    assert f'data-rx="{rx}" data-fill="0"' in html and f'data-rx="{rx}" data-fill="1"' in html
    assert 'data-fill="2"' not in html and f'data-rx="{recalled["other"]}"' not in html
    assert "Deskpatient" in html  # the patient's name
    viewed = _events(app, "lot.recall_viewed")[-1]
    assert (
        viewed.detail["lot_id"] == recalled["a"]
        and viewed.actor_name == accounts["pharmacist"].username
    )

    other = pharmacist.get(f"/lots/{recalled['b']}/recall").get_data(as_text=True)
    assert f'data-rx="{rx}" data-fill="2"' in other and f'data-rx="{recalled["other"]}"' in other
    assert other.count("data-fill=") == 2


def test_the_csv_and_the_pdf_carry_patient_prescriber_and_dispensing_day(
    app, recalled, accounts, desk, today
):
    admin = desk(accounts["admin"])
    response = admin.get(f"/lots/{recalled['a']}/recall.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(int(r["rx_number"]), int(r["fill_number"])) for r in rows] == [
        (recalled["rx"], 0),
        (recalled["rx"], 1),
    ]
    # Both handed over, the refill a supply's days after the original fill.
    assert "" < rows[0]["dispensed_on"] < rows[1]["dispensed_on"] < today.isoformat()
    assert all(r["patient"].startswith("Deskpatient") for r in rows)
    assert all(r["prescriber_npi"] and r["prescriber"] for r in rows)
    exported = _events(app, "lot.recall_exported")[-1]
    assert (exported.detail["lot_id"], exported.detail["format"]) == (recalled["a"], "csv")

    pdf = admin.get(f"/lots/{recalled['b']}/recall.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(page_texts(pdf.data))
    assert "Lot recall: Naltrexone hydrochloride USP, lot" in text
    assert "Fills made with this lot: 2" in text
    assert str(recalled["rx"]) in text and str(recalled["other"]) in text
    assert "not dispensed" in text and "NPI" in text and "Deskpatient" in text
    exported = _events(app, "lot.recall_exported")[-1]
    assert (exported.detail["lot_id"], exported.detail["format"]) == (recalled["b"], "pdf")


@pytest.mark.parametrize("suffix", ["", ".csv", ".pdf"])
def test_a_technician_may_not_see_a_recall(recalled, accounts, desk, suffix):
    response = desk(accounts["technician"]).get(f"/lots/{recalled['a']}/recall{suffix}")
    assert response.status_code == 403


def test_the_admin_lots_page_links_each_lot_to_its_recall(recalled, accounts, desk):
    page = desk(accounts["admin"]).get("/admin/lots").get_data(as_text=True)
    assert f'href="/lots/{recalled["a"]}/recall"' in page
