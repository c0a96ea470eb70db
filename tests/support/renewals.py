"""Automatic refills and renewals as the pharmacy runs them: orders sent with
`auto_refill` or `renews`, beat's round (the automatic refills, then the renewal
requests) run for a given day, and what a renewal request and the audit trail hold.

The orders themselves come from the one order builder (`tests.support.orders.Orders`):
dispensed, and their days passed, by the moves the pharmacy allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from pharmacy.extensions import database
from pharmacy.models import AuditEvent, Fill, OutboxMessage, Prescription, RenewalRequest
from pharmacy.services.records.outbox import PRESCRIPTION_RECEIVED
from pharmacy.services.worker import auto_refills, renewals
from tests.support.clinics import ClinicAccess
from tests.support.orders import URL, Orders, new_patient, prescription_on, submit

# Fields of the prescription itself, not of its patient (`changed` takes the rest).
ORDER_FIELDS = ("days_supply", "refills", "written_on", "auto_refill", "renews", "directions")
# 4.5 mg a day for two weeks: a short supply, which reaches the lead before a refill
# stops being too soon.
TWO_WEEKS = {"times_per_day": 1, "steps": [{"dose_mg": 4.5, "days": 14}]}
THREE_MONTHS = {"times_per_day": 1, "steps": [{"dose_mg": 4.5, "days": 90}]}


def order_body(orders: Orders, **fields: Any) -> dict:
    """The example prescription for a new patient of the builder's, with the
    prescription's own `fields` (auto_refill, renews, refills...) and the patient's."""
    own = {name: fields.pop(name) for name in ORDER_FIELDS if name in fields}
    body = new_patient(prescription_on(orders.today), prefix=orders.patients, **fields)
    body.update(own)
    return body


def sent(orders: Orders, body: dict, clinic: ClinicAccess | None = None) -> dict:
    """`body` sent by the builder's clinic (or `clinic`) and accepted: the order shown."""
    response = submit(orders.client, clinic or orders.clinic, body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def order(orders: Orders, **fields: Any) -> int:
    """A received order of a new patient, with `fields` as `order_body` takes them."""
    return int(sent(orders, order_body(orders, **fields))["rx_number"])


def uid_of(orders: Orders, rx: int) -> str:
    with orders.app.app_context():
        return str(database.session.scalar(select(Prescription.uid).where(Prescription.id == rx)))


def dispensed_days_ago(orders: Orders, days: int, **fields: Any) -> int:
    """An order with `fields`, its fill dispensed `days` days ago (written the day before)."""
    rx = order(orders, **fields)
    orders.dispensed(rx)
    if days:
        orders.days_pass(rx, days)
    return rx


# --- beat's round ------------------------------------------------------------------------


@dataclass(frozen=True)
class Round:
    started: list[int]
    asked: list[int]


def start_due(orders: Orders, today: date | None = None, **options: Any) -> list[int]:
    """The automatic refills due `today` (the builder's day), started as beat starts them."""
    with orders.app.app_context():
        return auto_refills.start_due(database.session, today=today or orders.today, **options)


def request_due(orders: Orders, today: date | None = None, **options: Any) -> list[int]:
    """The renewals due `today` (the builder's day), asked for as beat asks."""
    with orders.app.app_context():
        return renewals.request_due(database.session, today=today or orders.today, **options)


def beat_round(orders: Orders, today: date | None = None) -> Round:
    """Beat's round, as its task runs it: refills first, then the renewal requests."""
    return Round(start_due(orders, today), request_due(orders, today))


# --- what is on record -------------------------------------------------------------------


def events(orders: Orders, rx: int, action: str) -> list[AuditEvent]:
    """The audit events `action` of `rx`, oldest first."""
    return [event for event in orders.audit(rx) if event.action == action]


def last_event(orders: Orders, action: str) -> AuditEvent:
    """The latest audit event `action`, whichever prescription it is of."""
    with orders.app.app_context():
        return database.session.scalar(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
        )


def fills(orders: Orders, rx: int) -> list[tuple[int, str | None, str | None]]:
    """Each fill of `rx` as (number, how it was asked for, by whom)."""
    with orders.app.app_context():
        rows = database.session.execute(
            select(Fill.number, Fill.requested_via, Fill.requested_by)
            .where(Fill.prescription_id == rx)
            .order_by(Fill.number)
        )
        return [tuple(row) for row in rows]


def unsent_work(orders: Orders, rx: int) -> int:
    """How many of `rx`'s work messages wait in the outbox for the sweep."""
    with orders.app.app_context():
        messages = database.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.topic == PRESCRIPTION_RECEIVED,
                OutboxMessage.published_at.is_(None),
                OutboxMessage.processed_at.is_(None),
            )
        )
        return sum(1 for m in messages if m.payload.get("prescription_id") == rx)


def renewal_request(orders: Orders, rx: int) -> dict[str, Any] | None:
    """`rx`'s renewal request as stored, or None."""
    with orders.app.app_context():
        request = database.session.scalar(
            select(RenewalRequest).where(RenewalRequest.prescription_id == rx)
        )
        if request is None:
            return None
        return {
            "reason": request.reason,
            "state": request.state,
            "answered": request.answered_at is not None,
            "decline_reason": request.decline_reason,
            "renewed_by": request.renewed_by_id,
        }


def renewal_requests(orders: Orders) -> int:
    with orders.app.app_context():
        return len(database.session.scalars(select(RenewalRequest.id)).all())


# --- the clinic's answer -----------------------------------------------------------------


def answer(orders: Orders, rx: int, body: Any, clinic: ClinicAccess | None = None):
    """The clinic's answer to `rx`'s renewal request: the response, whatever it is."""
    headers = (clinic or orders.clinic).headers
    return orders.client.post(f"{URL}/{uid_of(orders, rx)}/renewal", json=body, headers=headers)


def shown(orders: Orders, uid: str) -> dict:
    """A prescription as its clinic is shown it, by its id."""
    response = orders.client.get(f"{URL}/{uid}", headers=orders.clinic.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()
