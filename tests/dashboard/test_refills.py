"""Refills on the order page: the Refill button for those who may start one, the
prescription's course fill by fill, the fills made so far, the refills left and the next
fill, the refusal a technician reads when a refill may not start, and the switch for
automatic refills."""

from __future__ import annotations

import html
from datetime import timedelta

from pharmacy.domain.refills import expires_on
from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.models import Prescription
from tests.support.refills import (
    auto_refill,
    course_order,
    fill_rows,
    rows_of,
    snapshot,
    text_of,
    work_for,
)

ONE = "Take 1 capsule (1.5 mg) by mouth at bedtime"
TWO = "Take 2 capsules (3 mg) by mouth at bedtime"
THREE = "Take 3 capsules (4.5 mg) by mouth at bedtime"


def page_of(station, rx: int) -> str:
    response = station.get(f"/orders/{rx}")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def refill_button(page: str, rx: int) -> bool:
    return f'action="/orders/{rx}/refill"' in page


def facts(page: str) -> dict[str, str]:
    """The course section's facts: refills left, expiry, next fill, automatic refills."""
    return {name: text_of(page, name) for name in ("refills-left", "expires-on", "next-fill")} | {
        "auto-refill": text_of(page, "auto-refill")
    }


def written_on(app, rx: int):
    with app.app_context():
        return database.session.get(Prescription, rx).written_on


# --- the button ------------------------------------------------------------------------


def test_the_refill_button_is_offered_once_the_fill_is_dispensed_to_those_who_may(
    desk, accounts, pharmacy
):
    ready = pharmacy.ready()
    dispensed = pharmacy.dispensed(pharmacy.submit())
    for role, offered in (("technician", True), ("pharmacist", True), ("admin", False)):
        station = desk(accounts[role])
        assert refill_button(page_of(station, dispensed), dispensed) is offered, role
        assert not refill_button(page_of(station, ready), ready), role


def test_an_admin_posting_a_refill_is_refused_403_and_nothing_changes(desk, accounts, pharmacy):
    rx = pharmacy.dispensed(pharmacy.submit())
    pharmacy.days_pass(rx, 30)
    station = desk(accounts["admin"])
    before = snapshot(pharmacy, rx)
    response = station.post(f"/orders/{rx}/refill")
    assert response.status_code == 403
    assert "Only a technician or a pharmacist may start a refill" in html.unescape(
        response.get_data(as_text=True)
    )
    assert snapshot(pharmacy, rx) == before


def test_a_cancelled_refill_offers_the_same_refill_again(desk, accounts, pharmacy):
    rx = pharmacy.dispensed(pharmacy.submit())
    pharmacy.days_pass(rx, 30)
    technician = desk(accounts["technician"])
    assert technician.post(f"/orders/{rx}/refill").status_code == 303
    pharmacy.call("cancel", "pharmacist", rx, pharmacy.reason)

    page = page_of(technician, rx)

    assert refill_button(page, rx)
    assert text_of(page, "next-fill").startswith("Refill 1 of 2 : ")
    fills = rows_of(page, "fills")
    assert [row[2] for row in fills] == ["Dispensed", "Cancelled"]


# --- a phone refill, and the course across fills -------------------------------------------


def test_the_course_section_follows_a_1_5_3_4_5_course_across_its_fills(
    app, desk, accounts, pharmacy
):
    rx = course_order(pharmacy)
    technician = desk(accounts["technician"])

    # The original fill, being worked: the whole course, and what comes after it.
    page = page_of(technician, rx)
    assert rows_of(page, "course-parts") == [
        ["Original fill", ONE, "fill 0"],
        ["Refill 1 of 2", TWO, "not yet"],
        ["Refill 2 of 2", THREE, "not yet"],
        ["After the last refill (a renewal) maintenance: the course's last dose", THREE, "not yet"],
    ]
    assert facts(page) == {
        "refills-left": "2 of 2",
        "expires-on": expires_on(written_on(app, rx)).isoformat(),
        "next-fill": f"Refill 1 of 2 : {TWO} Once this fill is dispensed",
        "auto-refill": "Off Switch automatic refills on",
    }
    assert text_of(page, "actions") == "Actions Being worked by the system."

    # Dispensed a month ago: the technician takes the patient's call.
    pharmacy.dispensed(rx)
    pharmacy.days_pass(rx, 30)
    page = page_of(technician, rx)
    [original] = rows_of(page, "fills")
    dispensed_on = pharmacy.today - timedelta(days=30)
    assert original[:3] == ["0", "Original fill (this page)", "Dispensed"]
    assert original[3] == "30 capsules" and original[5] == dispensed_on.isoformat()
    assert original[6].startswith("$")
    earliest = dispensed_on + timedelta(days=23)  # 75 % of 30 days
    assert facts(page)["next-fill"] == f"Refill 1 of 2 : {TWO} Not before {earliest}"
    assert f"Refill 1 of 2, not before {earliest}" in text_of(page, "actions")

    response = technician.post(f"/orders/{rx}/refill")
    assert response.status_code == 303 and response.headers["Location"] == f"/orders/{rx}"
    assert ("prescription.received", True) in work_for(pharmacy, rx)  # sent to the worker
    page = page_of(technician, rx)
    assert "Refill started: Rx" in page
    fills = rows_of(page, "fills")
    who = accounts["technician"].username
    assert fills[1] == [
        "1",
        f"Refill 1 of 2 (this page) taken at the counter by {who}",
        "Received",
        "—",
        "—",
        "—",
        "—",
    ]
    assert fills[0][1] == "Original fill"  # no longer the fill on this page
    assert rows_of(page, "course-parts")[1] == ["Refill 1 of 2", TWO, "fill 1"]
    assert facts(page)["next-fill"] == f"Refill 2 of 2 : {THREE} Once this fill is dispensed"
    assert facts(page)["refills-left"] == "2 of 2 1 once this refill is dispensed"

    # The first refill is made at 3 mg and dispensed; a month on, the second at 4.5 mg.
    pharmacy.dispensed(rx)
    page = page_of(technician, rx)
    assert rows_of(page, "fills")[1][2:4] == ["Dispensed", "60 capsules"]
    assert facts(page)["refills-left"] == "1 of 2"
    pharmacy.days_pass(rx, 30)
    assert technician.post(f"/orders/{rx}/refill").status_code == 303
    pharmacy.work(rx)

    page = page_of(technician, rx)
    fills = rows_of(page, "fills")
    assert [row[:3] for row in fills] == [
        ["0", "Original fill", "Dispensed"],
        ["1", f"Refill 1 of 2 taken at the counter by {who}", "Dispensed"],
        ["2", f"Refill 2 of 2 (this page) taken at the counter by {who}", "Ready"],
    ]
    assert [row[3] for row in fills] == ["30 capsules", "60 capsules", "90 capsules"]
    assert all(row[4] != "—" and row[6].startswith("$") for row in fills)  # BUD and price
    assert [row[5] for row in fills] == [
        (pharmacy.today - timedelta(days=60)).isoformat(),
        (pharmacy.today - timedelta(days=30)).isoformat(),
        "—",
    ]
    assert [row[2] for row in rows_of(page, "course-parts")] == [
        "fill 0",
        "fill 1",
        "fill 2",
        "not yet",
    ]
    assert facts(page)["refills-left"] == "1 of 2 none once this refill is dispensed"
    assert facts(page)["next-fill"] == "None: no refills are left: ask the prescriber for a renewal"
    # The fill on the page is the second refill's: its worksheet is for 90 capsules.
    assert "90 capsules" in text_of(page, "worksheet")
    assert [fill[:2] for fill in fill_rows(pharmacy, rx)] == [(0, 0), (1, 1), (2, 2)]


# --- refusals ----------------------------------------------------------------------------------


def test_a_refill_too_soon_shows_the_reason_and_changes_nothing(desk, accounts, pharmacy):
    rx = pharmacy.dispensed(pharmacy.submit())  # dispensed today
    technician = desk(accounts["technician"])
    before = snapshot(pharmacy, rx)

    response = technician.post(f"/orders/{rx}/refill")

    assert response.status_code == 409
    earliest = pharmacy.today + timedelta(days=23)
    assert f"too soon: Rx {rx} can be refilled from {earliest.isoformat()}" in html.unescape(
        response.get_data(as_text=True)
    )
    assert snapshot(pharmacy, rx) == before
    assert pharmacy.status(rx) == Status.DISPENSED


def test_a_refill_with_none_left_shows_the_reason_and_changes_nothing(desk, accounts, pharmacy):
    rx = pharmacy.dispensed(pharmacy.submit(refills=0))
    pharmacy.days_pass(rx, 30)
    technician = desk(accounts["technician"])
    page = page_of(technician, rx)
    assert facts(page)["next-fill"] == "None: no refills are left: ask the prescriber for a renewal"
    before = snapshot(pharmacy, rx)

    response = technician.post(f"/orders/{rx}/refill")

    assert response.status_code == 409
    assert f"no refills are left on Rx {rx}; ask the prescriber for a renewal" in html.unescape(
        response.get_data(as_text=True)
    )
    assert snapshot(pharmacy, rx) == before


# --- automatic refills -------------------------------------------------------------------------


def test_a_technician_switches_automatic_refills_on_the_page(desk, accounts, pharmacy):
    rx = pharmacy.ready()
    technician = desk(accounts["technician"])

    response = technician.post(f"/orders/{rx}/auto-refill", {"on": "yes"})

    assert response.status_code == 303
    assert auto_refill(pharmacy, rx) is True
    page = page_of(technician, rx)
    assert f"Automatic refills switched on for Rx {rx}." in page
    assert text_of(page, "auto-refill").startswith("On: the pharmacy starts each refill")
    assert "Switch automatic refills off" in page
    [switched] = [e for e in pharmacy.audit(rx) if e.action == "prescription.auto_refill_set"]
    assert switched.actor_name == accounts["technician"].username
    assert switched.detail == {"auto_refill": True}

    assert technician.post(f"/orders/{rx}/auto-refill", {"on": "no"}).status_code == 303
    assert auto_refill(pharmacy, rx) is False


def test_an_admin_is_not_offered_the_switch_and_may_not_use_it(desk, accounts, pharmacy):
    rx = pharmacy.ready()
    admin = desk(accounts["admin"])
    page = page_of(admin, rx)
    assert text_of(page, "auto-refill") == "Off"
    before = snapshot(pharmacy, rx)
    response = admin.post(f"/orders/{rx}/auto-refill", {"on": "yes"})
    assert response.status_code == 403
    assert snapshot(pharmacy, rx) == before
