"""Clinics' webhooks delivered by real workers on real Redis and PostgreSQL to a real
receiver on loopback: every event of an order's life, in `sequence` order, signed as
Standard Webhooks' own library verifies; a receiver that fails three times gets the
event once it accepts it; and a clinic is sent only its own orders' events."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from standardwebhooks import Webhook, WebhookVerificationError

from pharmacy.clock import pharmacy_today
from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.models import utcnow
from pharmacy.services.webhooks import scan as scanning
from pharmacy.services.webhooks.endpoints import new_secret
from pharmacy.services.webhooks.events import EVENT_TYPES
from pharmacy.services.worker import renewals
from tests.support.orders import QUESTION, Orders, new_patient, prescription_on
from tests.support.staff import created_staff
from tests.support.waiting import wait_for
from tests.support.webhooks import (
    Receiver,
    deliveries,
    register,
    webhook_worker,
    with_webhooks,
)

# What one order goes through: held for an opioid, overridden, made, checked, handed
# over; then, near its expiry with refills left, its refill comes due and the
# prescriber is asked to renew (those two last, in either order).
ONE_LIFE = [
    ("prescription.received", "received"),
    ("prescription.on_hold", "on_hold"),
    ("prescription.ready", "ready"),
    ("prescription.verified", "verified"),
    ("prescription.dispensed", "dispensed"),
]
# How other orders end: a question to the prescriber, then rejected; or cancelled.
ASKED_THEN_REJECTED = [
    ("prescription.received", "received"),
    ("prescription.ready", "ready"),
    ("prescription.awaiting_prescriber", "awaiting_prescriber"),
    ("prescription.clarification_requested", "awaiting_prescriber"),
    ("prescription.rejected", "rejected"),
]
CANCELLED = [
    ("prescription.received", "received"),
    ("prescription.ready", "ready"),
    ("prescription.cancelled", "cancelled"),
]


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def verified(received, secret: str) -> dict:
    """The event, once Standard Webhooks' reference library has checked its signature."""
    return Webhook(secret).verify(received.body, received.headers)


def test_every_event_of_an_order_life_reaches_the_clinic_signed_and_in_sequence(
    pharmacy_on, machine_redis, receiver
):
    pharmacy = with_webhooks(pharmacy_on(machine_redis))
    webhook_worker(pharmacy)
    pharmacy.beat()
    orders = Orders(pharmacy.app, created_staff(pharmacy.app), patients="Hookpatient")
    secret = register(orders.client, orders.clinic, receiver.url)["secret"]
    # Another clinic, its endpoint and its order: nothing crosses over.
    other = Receiver().start()
    register(pharmacy.client, pharmacy.clinic, other.url)
    elsewhere = pharmacy.submit(new_patient(prescription_on(orders.today), prefix="Elsewhere"))

    rx = orders.held(refills=2)
    orders.call("override", "pharmacist", rx, orders.reason)
    orders.dispensed(rx)
    asked = orders.asked(orders.ready())
    orders.call("reject", "pharmacist", asked, orders.reason)
    cancelled = orders.in_state(Status.CANCELLED)
    wait_for(lambda: len(receiver.accepted()) >= 13, 60, "the orders' events")
    orders.days_pass(rx, 360)  # near its expiry, with refills left: its refill is due
    with orders.app.app_context():  # beat's hourly round, run now
        today = pharmacy_today(orders.app.config)
        assert rx in renewals.request_due(database.session, today=today, lead_days=10)
    wait_for(lambda: len(receiver.accepted()) >= 15, 60, "refill due and renewal")
    wait_for(lambda: len(other.accepted()) >= 1, 60, "the other clinic's event")
    other.stop()

    events = [verified(r, secret) for r in receiver.accepted()]  # raises if unsigned
    life = of(events, rx)
    assert [e["data"]["sequence"] for e in life] == list(range(1, 8))
    assert [(e["type"], e["data"]["status"]) for e in life[:5]] == ONE_LIFE
    due = {e["type"]: e["data"] for e in life[5:]}
    assert due["prescription.renewal_requested"]["reason"] == "expiring"
    assert due["prescription.refill_due"]["status"] == "dispensed"
    assert due["prescription.refill_due"]["due_on"]
    assert {e["data"]["fill"] for e in life} == {0}
    ended = of(events, asked)
    assert [(e["type"], e["data"]["status"]) for e in ended] == ASKED_THEN_REJECTED
    assert ended[3]["data"]["question"] == QUESTION
    assert [(e["type"], e["data"]["status"]) for e in of(events, cancelled)] == CANCELLED
    every = {e["type"] for e in events}
    # Shipped is a mailed fill's (tests/services/test_shipping.py has its event).
    assert every == set(EVENT_TYPES) - {"prescription.shipped"}
    shown = orders.shown(rx)
    assert {e["data"]["prescription_id"] for e in life} == {shown["id"]}
    assert [r.event["data"]["prescription_id"] for r in other.all()] == [elsewhere["id"]]
    # No patient name or birth date in any body.
    patient = shown["patient"]
    for received in receiver.all():
        assert patient["last_name"] not in received.body.decode()
        assert patient["date_of_birth"] not in received.body.decode()
    assert {d["state"] for d in deliveries(orders.app, rx)} == {"delivered"}
    # Signed with the endpoint's secret, and no other.
    with pytest.raises(WebhookVerificationError):
        verified(receiver.accepted()[0], new_secret())


def of(events: list[dict], rx: int) -> list[dict]:
    """The events of Rx `rx`, in their sequence."""
    mine = [e for e in events if e["data"]["rx_number"] == str(rx)]
    return sorted(mine, key=lambda e: e["data"]["sequence"])


def test_a_receiver_failing_three_times_gets_the_event_once_it_answers_200(
    pharmacy_on, machine_redis
):
    receiver = Receiver(failures=3).start()
    pharmacy = with_webhooks(pharmacy_on(machine_redis))
    webhook_worker(pharmacy)
    pharmacy.beat()
    orders = Orders(pharmacy.app, created_staff(pharmacy.app), patients="Retrypatient")
    secret = register(orders.client, orders.clinic, receiver.url, ["prescription.received"])[
        "secret"
    ]
    first = orders.submit()
    wait_for(lambda: len(receiver.accepted()) == 1, 60, "the event to be accepted")
    # A later event delivered proves nothing more comes for the first.
    second = orders.submit()
    wait_for(lambda: len(receiver.accepted()) == 2, 60, "the second event")

    tries = [r for r in receiver.all() if r.event["data"]["rx_number"] == str(first)]
    assert [r.answered for r in tries] == [500, 500, 500, 200]
    assert len({r.headers["webhook-id"] for r in tries}) == 1  # one message, sent again
    assert len({r.body for r in tries}) == 1
    assert verified(tries[-1], secret)["type"] == "prescription.received"
    [delivery] = deliveries(orders.app, first)
    assert (delivery["state"], delivery["attempts"]) == ("delivered", 4)
    assert [r.event["data"]["rx_number"] for r in receiver.accepted()] == [str(first), str(second)]
    receiver.stop()


def test_deliveries_whose_tasks_were_lost_are_sent_once_their_lease_ends(pharmacy_on, own_redis):
    receiver = Receiver().start()
    pharmacy = with_webhooks(pharmacy_on(own_redis.url))
    pharmacy.env["WEBHOOK_LEASE_S"] = "3"
    orders = Orders(pharmacy.app, created_staff(pharmacy.app), patients="Lostpatient")
    register(orders.client, orders.clinic, receiver.url, ["prescription.received"])
    sent = [orders.submit() for _ in range(5)]
    with orders.app.app_context():  # a round hands the deliveries out: leased for 3 s
        handed = scanning.run(database.session, round_now(orders.app, lease_s=3))
    assert len(handed) == 5
    redis.Redis(port=own_redis.port).flushall()  # and their tasks are lost with the queue

    webhook_worker(pharmacy)
    pharmacy.beat()

    wait_for(lambda: len(receiver.accepted()) == 5, 90, "every lost delivery sent again")
    assert sorted(r.event["data"]["rx_number"] for r in receiver.accepted()) == sorted(
        str(rx) for rx in sent
    )
    for rx in sent:
        assert [d["state"] for d in deliveries(orders.app, rx)] == ["delivered"]
    receiver.stop()


def round_now(app, *, lease_s: float) -> scanning.Round:
    """A round of the scan as beat's task makes it, now."""
    return scanning.Round(
        now=utcnow(),
        today=pharmacy_today(app.config),
        refill_lead_days=7,
        retry_for=timedelta(days=1),
        refill_due_every=timedelta(0),
        lease=timedelta(seconds=lease_s),
    )
