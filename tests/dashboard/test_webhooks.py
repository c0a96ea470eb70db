"""The admins' webhooks page: a delivery whose retries ran out is shown failed, with the
Rx, the event and the last error, and a Resend button that sends it again."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from pharmacy.clock import pharmacy_today
from pharmacy.extensions import database
from pharmacy.models import AuditEvent, WebhookDelivery, WebhookEvent, utcnow
from pharmacy.services.webhooks import scan, sending
from tests.support.clinics import make_clinic
from tests.support.network import free_port
from tests.support.orders import new_patient, prescription_on, submitted
from tests.support.webhooks import register

# Sent where nothing listens, every attempt is refused at once; the wait before the next
# would outlast the retries' time, so the first failure is the last.
DEAD = sending.Policy(
    allow_private=True, connect_timeout_s=1, read_timeout_s=1, backoff_s=60, backoff_max_s=60
)


def a_round(app, retry_for: timedelta = timedelta(seconds=30)) -> scan.Round:
    return scan.Round(
        now=utcnow(),
        today=pharmacy_today(app.config),
        refill_lead_days=7,
        retry_for=retry_for,
        refill_due_every=timedelta(hours=1),
    )


@pytest.fixture
def failed_delivery(app, client, monkeypatch):
    """An order's `received` event, sent to a clinic's dead server until its retries'
    time ran out: (the clinic, the Rx number, the delivery's id)."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    clinic = make_clinic(app)
    register(client, clinic, f"http://127.0.0.1:{free_port()}/hook", ["prescription.received"])
    body = new_patient(prescription_on(pharmacy_today(app.config)))
    rx = int(submitted(client, clinic, body)["rx_number"])
    with app.app_context():
        session = database.session
        sends = scan.run(session, a_round(app))
        delivery = _delivery_of(session, rx)
        [send] = [s for s in sends if s.delivery_id == delivery]
        assert sending.attempt(session, delivery, send.attempt, DEAD) == "failed"
    return clinic, rx, delivery


def _delivery_of(session, rx: int) -> int:
    return session.scalar(
        select(WebhookDelivery.id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookEvent.prescription_id == rx)
    )


def page(desk) -> str:
    response = desk.get("/admin/webhooks")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_a_failed_delivery_is_shown_to_admins_and_sent_again_on_resend(
    app, desk, accounts, failed_delivery
):
    clinic, rx, delivery = failed_delivery
    admin = desk(accounts["admin"])
    shown = page(admin)
    row = shown[shown.index(f'data-delivery="{delivery}"') :]
    row = row[: row.index("</tr>")]
    for fact in (clinic.name, "prescription.received", str(rx), "ConnectError", "Resend"):
        assert fact in row
    assert f"/admin/webhooks/deliveries/{delivery}/resend" in row
    assert clinic.name in shown[shown.index("<h2>Endpoints</h2>") :]

    answer = admin.post(f"/admin/webhooks/deliveries/{delivery}/resend")
    assert answer.status_code == 303
    assert f'data-delivery="{delivery}"' not in page(admin)
    with app.app_context():
        session = database.session
        assert session.get(WebhookDelivery, delivery).state == "pending"
        resent = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "webhook.resent", AuditEvent.prescription_id == rx
            )
        ).one()
        assert resent.actor_name == accounts["admin"].username
        assert resent.detail == {"delivery": delivery}
        # Beat's next round hands it to a task again, as the next attempt.
        sends = scan.run(session, a_round(app, timedelta(days=1)))
        assert any(s.delivery_id == delivery and s.attempt == 1 for s in sends)

    again = admin.post(f"/admin/webhooks/deliveries/{delivery}/resend")
    assert again.status_code == 409  # not failed (any more): nothing to resend


@pytest.mark.parametrize("role", ["technician", "pharmacist"])
def test_only_admins_see_the_webhooks_page(desk, accounts, failed_delivery, role):
    _, _, delivery = failed_delivery
    station = desk(accounts[role])
    assert station.get("/admin/webhooks").status_code == 403
    assert station.post(f"/admin/webhooks/deliveries/{delivery}/resend").status_code == 403
