"""The order page: the prescription as sent, its alerts, the worksheet with every number,
the compounding record, the price, the audit trail; opening it is audited."""

from __future__ import annotations

import html

from sqlalchemy import select

from pharmacy.extensions import database
from pharmacy.models import AuditEvent, Prescription, PriceLine, Worksheet


def page_of(desk, account, rx: int, **options) -> str:
    response = desk(account).get(f"/orders/{rx}", **options)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_the_page_shows_the_prescription_as_sent(desk, accounts, pharmacy):
    rx = pharmacy.ready(first_name="Augusta")
    page = page_of(desk, accounts["technician"], rx)
    for fact in (
        "Augusta",
        "born 1980-01-02",
        "NPI 1234567893",
        "Joe Example",
        "levothyroxine 50 mcg daily",
        "sulfa",
        "fibromyalgia",
        "Take 1 capsule (1.5 mg) by mouth at bedtime",
        "M79.7",
        "free text for the pharmacist",
        '"first_name": "Augusta"',  # the JSON exactly as received
    ):
        assert fact in page, fact


def test_the_worksheet_shows_every_number_the_lots_and_the_bud(app, desk, accounts, pharmacy):
    rx = pharmacy.ready()
    page = page_of(desk, accounts["pharmacist"], rx)
    with app.app_context():
        data = database.session.scalar(
            select(Worksheet.data).where(Worksheet.prescription_id == rx)
        )
    api = data["api"]
    numbers = [
        data["quantity"],
        data["batch_quantity"],
        data["beyond_use"]["date"],
        api["needed_mg"],
        api["in_batch_mg"],
        api["weighed_mg"],
        data["fill_weight_mg"],
        data["api_per_capsule_mg"],
        data["filler_per_capsule_mg"],
    ]
    for share in api["shares"]:
        numbers += [share["factor"], share["weigh_mg"], share["assay_percent"], share["lot_number"]]
    if data["aliquot"]:
        aliquot = data["aliquot"]
        numbers += [aliquot["api_weighed_mg"], aliquot["diluent_amount"], aliquot["portion_amount"]]
    for component in data["components"]:
        numbers += [component["amount_needed"], component["amount_used"]]
        for pick in component["picks"]:
            numbers += [pick["lot_number"], pick["vendor"], pick["expires_on"]]
    for number in numbers:
        assert str(number) in page, number
    assert "MFR version 1" in page


def test_the_price_lines_add_up_to_the_total_shown(app, desk, accounts, pharmacy):
    rx = pharmacy.ready()
    page = page_of(desk, accounts["pharmacist"], rx)
    with app.app_context():
        lines = database.session.scalars(
            select(PriceLine).where(PriceLine.prescription_id == rx).order_by(PriceLine.position)
        ).all()
        total = database.session.get(Prescription, rx).price_total
    for line in lines:
        assert line.label in page and f"${line.amount:,.2f}" in page
    assert f"${total:,.2f}" in page
    assert "price list version 1" in page


def test_a_held_order_shows_its_hard_stop_first(desk, accounts, pharmacy):
    rx = pharmacy.held()
    page = page_of(desk, accounts["pharmacist"], rx)
    assert page.index("Screening alerts") < page.index("Prescription as sent")
    assert "Hard stop" in page and "Percocet 5/325" in page
    assert "opioid" in page


def test_an_order_not_worked_yet_says_so(desk, accounts, pharmacy):
    rx = pharmacy.submit()
    page = page_of(desk, accounts["pharmacist"], rx)
    assert "Not computed yet" in page


def test_the_compounding_record_and_verification_are_shown(desk, accounts, pharmacy):
    rx = pharmacy.verified()
    page = page_of(desk, accounts["technician"], rx)
    assert "Compounding record" in page
    assert "capsule weight check passed" in page
    assert "119.8" in page  # a weight of the sample
    for lot in pharmacy.shelf.values():
        if lot.startswith("D-naltre") or lot.startswith("D-mcc_ph"):
            assert lot in page
    assert "Test Technician" in page and "Test Pharmacist" in page  # who made, who checked


def test_the_audit_trail_of_the_order_is_on_its_page(desk, accounts, pharmacy):
    rx = pharmacy.verified()
    page = page_of(desk, accounts["pharmacist"], rx)
    for action in (
        "prescription.received",
        "prescription.worked",
        "prescription.compounded",
        "prescription.verified",
        "prescription.viewed",
    ):
        assert action in page, action


def test_opening_an_order_is_audited_without_patient_details(app, desk, accounts, pharmacy):
    rx = pharmacy.ready(first_name="Philippa")
    page_of(desk, accounts["technician"], rx, headers={"X-Request-ID": f"open-{rx}"})
    with app.app_context():
        [event] = database.session.scalars(
            select(AuditEvent).where(AuditEvent.request_id == f"open-{rx}")
        ).all()
    assert (event.action, event.prescription_id) == ("prescription.viewed", rx)
    assert (event.actor_type, event.actor_name) == ("user", accounts["technician"].username)
    assert "Philippa" not in str(event.detail)


def test_the_page_shows_what_the_screen_read_in_each_line(desk, accounts, pharmacy):
    rx = pharmacy.submit(
        medications=["percoset 10/325 q6h prn", "levothyroxine 50 mcg daily", "Xyzzorin 5 mg"],
        allergies=["nal\u200btrexone"],
    )
    pharmacy.work(rx)
    page = page_of(desk, accounts["pharmacist"], rx)
    # The misspelt brand is named for what it is, in its own line and in the alert.
    assert '"percoset" read as Percocet = oxycodone' in page
    assert "levothyroxine" in page
    assert "not recognised" in page  # Xyzzorin: shown, never passed in silence
    assert "Drug data" in page and "version 1" in page
    assert "naltrexone_allergy" in page or "is to naltrexone" in page


def test_a_list_left_out_is_marked_as_the_patients_on_record(desk, accounts, pharmacy):
    rx = pharmacy.submit()
    page = page_of(desk, accounts["technician"], rx)
    assert "Not sent with this order" not in page
    body_without_conditions = pharmacy.submit(conditions=None)
    page = page_of(desk, accounts["technician"], body_without_conditions)
    assert "Not sent with this order" in page


def test_the_page_speaks_plainly_no_codes_no_python_no_fractions_of_a_cent(
    desk, accounts, pharmacy
):
    import re

    rx = pharmacy.held()
    page = page_of(desk, accounts["pharmacist"], rx)
    assert "system:system" not in page and "user:" not in page
    assert "the service" in page  # who worked the order
    assert "['" not in page and "{'" not in page  # audit details, never Python reprs
    assert "alerts: opioid_interaction" in page
    ready = pharmacy.ready()
    priced = page_of(desk, accounts["pharmacist"], ready)
    assert not re.search(r"\$\d+\.\d{3,}", priced), "money is shown to the cent"
    assert "for capsules" in priced


def test_the_browser_finds_a_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    with client.get(response.headers["Location"]) as icon:
        assert icon.status_code == 200 and b"<svg" in icon.data
