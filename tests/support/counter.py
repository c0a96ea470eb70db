"""The counter, as the staff work it: a fill verified and labelled, money taken, given
back and voided, a pharmacist's waiver, a fill mailed, and what the receipt, the packing
slip and the day's report say.

Every call goes through an app context of its own, closed at once, as a web request's
would be. A fill is the 1 mg/mL oral liquid (35 days of use for a 30-day supply), so
its beyond-use date is close enough to its supply for the mail's days to matter.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from pharmacy.extensions import database
from pharmacy.models import CounselingOffer, Payment, Prescription
from pharmacy.services import SYSTEM
from pharmacy.services.counter import payments, printing, shipping
from pharmacy.services.reads import payments as money
from tests.support.orders import Orders
from tests.support.pdf import flat, page_texts

CARD = {"method": "card", "card_last4": "4242", "reference": "A1B2C3"}


def verified(orders: Orders, *, paid: bool = False, **changes: Any) -> int:
    """A liquid fill compounded, verified and labelled; paid in cash when `paid`."""
    rx = orders.ready(liquid=True, **changes)
    orders.call("record_compounding", "technician", rx, orders.entry(rx))
    orders.call("verify", "pharmacist", rx)
    orders.label_printed(rx)
    if paid:
        orders.pay(rx)
    return rx


def price(orders: Orders, rx: int) -> Decimal:
    with orders.app.app_context():
        return database.session.get(Prescription, rx).price_total


def take(orders: Orders, rx: int, amount: Decimal | str, who: str = "technician", **tender):
    """Money taken for the fill in progress; returns the payment's id."""
    with orders.app.app_context():
        paid = payments.Tender(**{"method": "cash", "amount": amount, **tender})
        row = payments.take_payment(
            database.session, orders.staff[who], rx, paid, today=orders.today
        )
        return row.id


def refund(orders: Orders, payment_id: int, amount, reason: str, who: str = "technician"):
    with orders.app.app_context():
        row = payments.refund(
            database.session, orders.staff[who], payment_id, amount, reason, today=orders.today
        )
        return row.id


def void(orders: Orders, payment_id: int, reason: str, who: str = "technician") -> None:
    with orders.app.app_context():
        payments.void(database.session, orders.staff[who], payment_id, reason)


def waive(orders: Orders, rx: int, reason: str, who: str = "pharmacist") -> None:
    with orders.app.app_context():
        payments.waive(database.session, orders.staff[who], rx, reason, today=orders.today)


def due(orders: Orders, rx: int) -> Decimal:
    with orders.app.app_context():
        session = database.session
        return payments.settlement_of(session, session.get(Prescription, rx)).due


def report(orders: Orders, day: date | None = None) -> money.DailyPayments:
    with orders.app.app_context():
        return money.daily_payments(database.session, day or orders.today)


def rows(orders: Orders, rx: int) -> list[tuple]:
    """The fill's payment rows as (kind, method, amount, voided)."""
    with orders.app.app_context():
        found = database.session.scalars(
            select(Payment).where(Payment.prescription_id == rx).order_by(Payment.id)
        )
        return [(r.kind, r.method, r.amount, r.voided_at is not None) for r in found]


def payment_ids(orders: Orders, rx: int) -> list[int]:
    with orders.app.app_context():
        return list(
            database.session.scalars(
                select(Payment.id).where(Payment.prescription_id == rx).order_by(Payment.id)
            )
        )


def counseling(orders: Orders, rx: int) -> list[tuple]:
    """Each fill's offer to counsel as (fill, hand-over, accepted, counseled by)."""
    with orders.app.app_context():
        found = database.session.scalars(
            select(CounselingOffer)
            .where(CounselingOffer.prescription_id == rx)
            .order_by(CounselingOffer.id)
        )
        return [(o.fill_number, o.hand_over, o.accepted, o.counseled_by_name) for o in found]


def ship(orders: Orders, rx: int, who: str = "technician", **options: Any):
    """Mail the fill (`options`: the parcel's changes, `short_supply_reason`,
    `counseling`)."""
    reason = options.pop("short_supply_reason", None)
    offer = options.pop("counseling", None)
    extra = {"counseling": offer} if offer is not None else {}
    return orders.call(
        "ship", who, rx, orders.parcel(**options), short_supply_reason=reason, pay=False, **extra
    )


def receipt_text(orders: Orders, rx: int) -> str:
    """The receipt of the fill in progress as printed, read back from the PDF."""
    with orders.app.app_context():
        pdf = printing.print_receipt(
            database.session,
            SYSTEM,
            str(rx),
            orders.app.config,
            orders.today,
            stock="receipt-letter",
        )
    return flat(" ".join(page_texts(pdf)))


def packing_slip_text(orders: Orders, rx: int) -> str:
    with orders.app.app_context():
        pdf = shipping.print_packing_slip(database.session, SYSTEM, rx, orders.app.config)
    return flat(" ".join(page_texts(pdf)))
