"""Mailing a verified fill: the parcel's days counted against the beyond-use date, the
same payment and counseling rules as at the counter, a packing slip without a price,
the clinic told the tracking number, and a shipped fill refilled like a dispensed one."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from pharmacy.clock import pharmacy_today
from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.models import Prescription, StatusChange, WebhookEvent, utcnow
from pharmacy.services import Conflict, Invalid
from pharmacy.services.counter.access import Forbidden
from pharmacy.services.counter.counseling import Offer
from pharmacy.services.intake.refills import RefillRefused
from pharmacy.services.webhooks import scan
from tests.support import counter as desk
from tests.support.network import free_port
from tests.support.orders import REASON
from tests.support.webhooks import register

TRACKING = "9400111899223344556677"


def use_by(counter, rx: int):
    with counter.app.app_context():
        return database.session.get(Prescription, rx).beyond_use_date


def test_a_verified_fill_is_shipped_with_its_tracking_number_and_counseling(counter):
    rx = desk.verified(counter, paid=True)
    shown = desk.ship(counter, rx, counseling=Offer("declined"))
    assert shown.status == Status.SHIPPED
    assert counter.status(rx) == Status.SHIPPED
    with counter.app.app_context():
        moves = database.session.execute(
            select(StatusChange.from_status, StatusChange.to_status)
            .where(StatusChange.prescription_id == rx)
            .order_by(StatusChange.id.desc())
        ).first()
    assert tuple(moves) == ("verified", "shipped")
    shipped = counter.audit(rx)[-1]
    assert shipped.action == "prescription.shipped"
    assert shipped.detail["tracking_number"] == TRACKING
    assert "address" not in shipped.detail  # patient data stays out of the trail
    assert desk.counseling(counter, rx) == [(0, "ship", False, None)]
    (fill,) = counter.fills(rx)
    assert fill.dispensed_on == counter.today


def test_an_unpaid_fill_is_not_shipped(counter):
    rx = desk.verified(counter)
    with pytest.raises(Conflict) as refused:
        desk.ship(counter, rx)
    assert refused.value.code == "unpaid"
    assert counter.status(rx) == Status.VERIFIED


def test_a_parcel_arriving_too_close_to_the_use_by_date_needs_a_pharmacists_reason(counter):
    rx = desk.verified(counter, paid=True)
    last = use_by(counter, rx)
    # The supply is counted from the day the parcel arrives: arriving so that the last
    # dose falls the day after the use-by date, it would outlast it.
    transit = (last - counter.today).days - 30 + 2
    before = counter.state(rx)
    with pytest.raises(Conflict) as refused:
        desk.ship(counter, rx, transit_days=transit)
    assert refused.value.code == "beyond_use_before_supply_ends"
    with pytest.raises(Forbidden):
        desk.ship(counter, rx, transit_days=transit, short_supply_reason=REASON)
    assert counter.state(rx) == before

    desk.ship(counter, rx, "pharmacist", transit_days=transit, short_supply_reason=REASON)
    assert counter.status(rx) == Status.SHIPPED
    assert counter.audit(rx)[-1].detail["short_supply_reason"] == REASON


def test_a_parcel_arriving_after_the_use_by_date_is_never_shipped(counter):
    rx = desk.verified(counter, paid=True)
    late = (use_by(counter, rx) - counter.today).days + 1
    with pytest.raises(Conflict) as refused:
        desk.ship(counter, rx, "pharmacist", transit_days=late, short_supply_reason=REASON)
    assert refused.value.code == "arrives_after_beyond_use_date"


def test_the_carriers_days_are_used_unless_a_number_is_typed(counter):
    rx = desk.verified(counter, paid=True)
    desk.ship(counter, rx, carrier="UPS Ground")
    assert (
        counter.audit(rx)[-1].detail["arrives_on"]
        == (
            counter.today + timedelta(days=counter.app.config["SHIPPING_CARRIERS"]["UPS Ground"])
        ).isoformat()
    )
    other = desk.verified(counter, paid=True)
    with pytest.raises(Invalid) as refused:
        desk.ship(counter, other, carrier="Bike courier")
    assert [problem.field for problem in refused.value.problems] == ["transit_days"]
    desk.ship(counter, other, carrier="Bike courier", transit_days="0")
    assert counter.status(other) == Status.SHIPPED


def test_counseling_accepted_is_a_pharmacists(counter):
    rx = desk.verified(counter, paid=True)
    with pytest.raises(Invalid) as refused:
        desk.ship(counter, rx, counseling=Offer("accepted"))
    assert [problem.field for problem in refused.value.problems] == ["counseled_by"]
    with pytest.raises(Invalid) as unanswered:
        desk.ship(counter, rx, counseling=Offer(None))
    assert [problem.field for problem in unanswered.value.problems] == ["counseling"]
    pharmacist = counter.staff["pharmacist"].username
    desk.ship(counter, rx, counseling=Offer("accepted", pharmacist, "Called the patient"))
    assert desk.counseling(counter, rx) == [(0, "ship", True, pharmacist)]


def test_a_parcel_goes_to_a_typed_address_and_its_slip_has_no_price(counter):
    rx = desk.verified(counter, paid=True)
    with pytest.raises(Invalid) as refused:
        desk.ship(counter, rx, address=("Only one line",))
    assert [problem.field for problem in refused.value.problems] == ["address"]
    desk.ship(counter, rx, address=("12 Elm St", "Apt 4", "Dayton, OH 45402"))
    slip = desk.packing_slip_text(counter, rx)
    patient = counter.shown(rx)["patient"]
    assert f"{patient['first_name']} {patient['last_name']}" in slip
    assert "12 Elm St Apt 4 Dayton, OH 45402" in slip
    assert f"Rx {rx}" in slip
    assert counter.app.config["PHARMACY_ADDRESS"] in slip  # the return address
    assert TRACKING in slip
    assert "Storage:" in slip
    assert "$" not in slip
    assert "packing_slip.printed" in [event.action for event in counter.audit(rx)]


def test_the_clinics_shipped_event_carries_the_tracking_number(counter, monkeypatch):
    monkeypatch.setitem(counter.app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    register(
        counter.client,
        counter.clinic,
        f"http://127.0.0.1:{free_port()}/hook",
        ["prescription.shipped"],
    )
    rx = desk.verified(counter, paid=True)
    desk.ship(counter, rx)
    with counter.app.app_context():
        session = database.session
        today = pharmacy_today(counter.app.config)
        scan.run(
            session,
            scan.Round(utcnow(), today, 7, timedelta(seconds=30), timedelta(hours=1)),
        )
        body = session.scalar(
            select(WebhookEvent.body).where(
                WebhookEvent.prescription_id == rx, WebhookEvent.type == "prescription.shipped"
            )
        )
    data = json.loads(body)["data"]
    assert data["status"] == "shipped"
    assert data["tracking_number"] == TRACKING
    assert data["carrier"] == "USPS Priority Mail"


def test_a_shipped_fill_is_refilled_like_a_dispensed_one(counter):
    shipped = counter.ready(refills=2)
    dispensed = counter.ready(refills=2)
    counter.shipped(shipped)
    counter.dispensed(dispensed)
    for rx in (shipped, dispensed):
        with pytest.raises(RefillRefused) as refused:
            counter.refill(rx)
        assert refused.value.code == "too_soon"
    for rx in (shipped, dispensed):
        counter.refilled(rx)
        assert counter.shown(rx)["refills_remaining"] == 2
    counter.shipped(shipped)
    counter.dispensed(dispensed)
    assert counter.shown(shipped)["refills_remaining"] == 1
    assert counter.shown(dispensed)["refills_remaining"] == 1
    assert [fill.dispensed_on is not None for fill in counter.fills(shipped)] == [True, True]


def test_the_clinic_reads_the_shipment_of_each_shipped_fill(counter):
    rx = counter.shipped(counter.ready())

    shown = counter.shown(rx)

    assert shown["status"] == "shipped"
    (fill,) = shown["fills"]
    assert fill["shipment"]["tracking_number"] == "9400111899223344556677"
    assert fill["shipment"]["shipped_on"] == counter.today.isoformat()
    assert fill["shipment"]["arrives_on"] > fill["shipment"]["shipped_on"]
    assert fill["dispensed_on"] == counter.today.isoformat()
    counter.days_pass(rx, 30)
    counter.refill(rx)
    first, second = counter.shown(rx)["fills"]
    assert first["shipment"]["carrier"] and second["shipment"] is None
