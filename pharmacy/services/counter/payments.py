"""Money at the counter: payments for a fill, refunds, voids, and a pharmacist's waiver.

Every row is one fill's (prescription id and fill number). A fill is handed over only
once it is paid in full or a pharmacist waived payment (`require_settled`, which the
hand-over calls in its own unit of work). A card's number is never stored: its last four
digits and the authorization reference typed from the terminal are enough to find the
charge again. Money is Decimal, to the cent.

- Who: a technician or a pharmacist takes payments, refunds and voids (those who may
  hand a fill over); only a pharmacist waives payment.
- Refusals: Invalid (422) names the field; Conflict (409): `not_payable` (the fill is not
  worked, or is closed), `more_than_due`, `more_than_paid` (a refund beyond what is left
  of its payment), `voided`, `has_refunds`, `handed_over` (a void that would leave a
  handed-over fill unpaid: refund instead), `unpaid` (a hand-over with money due).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.domain.labeling import money
from pharmacy.domain.prescription import Problem
from pharmacy.domain.workflow import Status
from pharmacy.domain.written import tidy
from pharmacy.models import Fill, Payment, Prescription, utcnow
from pharmacy.services import Conflict, Invalid, NotFound
from pharmacy.services.counter.access import Action, Staff, authorize
from pharmacy.services.counter.changes import invalid, locked, written_reason
from pharmacy.services.reads.payments import METHODS, PAYMENT, REFUND, WAIVER
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

CARDS = ("card", "hsa_fsa")
# A fill is paid for once it has a price and until it is closed unfilled.
PAYABLE = frozenset({Status.READY, Status.COMPOUNDED, Status.VERIFIED})
CENT = Decimal("0.01")
LAST4 = re.compile(r"[0-9]{4}")
REFERENCE = re.compile(r"[A-Za-z0-9-]{3,40}")


@dataclass(frozen=True)
class Tender:
    """What the counter typed: the method, the amount, and for a card its last four
    digits and the terminal's authorization reference (for a check, its number)."""

    method: str
    amount: str | Decimal
    card_last4: str = ""
    reference: str = ""


@dataclass(frozen=True)
class Settlement:
    """Where a fill's money stands: what it costs, what was paid net of refunds, and
    whether a pharmacist waived it."""

    price: Decimal
    paid: Decimal
    refunded: Decimal
    waived: bool

    @property
    def net(self) -> Decimal:
        return self.paid - self.refunded

    @property
    def due(self) -> Decimal:
        return max(self.price - self.net, Decimal(0))

    @property
    def settled(self) -> bool:
        return self.waived or self.due == 0


def rows_of_fill(session: Session, rx_number: int, fill_number: int) -> list[Payment]:
    """The fill's payments, refunds and waivers, voided ones too, in the order made."""
    return list(
        session.scalars(
            select(Payment)
            .where(Payment.prescription_id == rx_number, Payment.fill_number == fill_number)
            .order_by(Payment.id)
        )
    )


def settlement_of(session: Session, prescription: Prescription) -> Settlement:
    """The fill in progress's money, voided rows left out."""
    live = [
        row
        for row in rows_of_fill(session, prescription.id, prescription.current_fill)
        if row.voided_at is None
    ]
    return Settlement(
        price=prescription.price_total or Decimal(0),
        paid=sum((row.amount for row in live if row.kind == PAYMENT), Decimal(0)),
        refunded=sum((row.amount for row in live if row.kind == REFUND), Decimal(0)),
        waived=any(row.kind == WAIVER for row in live),
    )


def require_settled(session: Session, prescription: Prescription) -> Settlement:
    """The hand-over's check, in its unit of work: Conflict `unpaid` with what is due."""
    settlement = settlement_of(session, prescription)
    if not settlement.settled:
        raise Conflict(
            "unpaid",
            f"Rx {prescription.rx_number} has {money(settlement.due)} due: take payment "
            "before handing it over, or a pharmacist waives it with a reason",
            {"due": str(settlement.due)},
        )
    return settlement


def take_payment(
    session: Session,
    staff: Staff,
    rx_number: int,
    tender: Tender,
    *,
    today: date,
    request_id: str | None = None,
) -> Payment:
    """Record money taken for the fill in progress; at most what is still due."""
    with unit_of_work(session):
        user = authorize(session, staff, Action.DISPENSE, doing="take payments")
        prescription = locked(session, rx_number)
        _payable(prescription)
        method, amount, last4, reference = _tender(tender)
        due = settlement_of(session, prescription).due
        if amount > due:
            raise Conflict(
                "more_than_due",
                f"Rx {prescription.rx_number} has {money(due)} due; {money(amount)} is more",
            )
        row = _row(prescription, user.id, staff, PAYMENT, amount, today)
        row.method, row.card_last4, row.reference = method, last4, reference
        session.add(row)
        session.flush()
        trail.record(
            session,
            staff.actor,
            "payment.taken",
            prescription_id=prescription.id,
            request_id=request_id,
            payment_id=row.id,
            fill=prescription.current_fill,
        )
        return row


def refund(
    session: Session,
    staff: Staff,
    payment_id: int,
    amount: str | Decimal,
    reason: str,
    *,
    today: date,
    request_id: str | None = None,
) -> Payment:
    """Give back money on a payment (the same method), with a reason; never more than
    is left of it after earlier refunds."""
    with unit_of_work(session):
        user = authorize(session, staff, Action.DISPENSE, doing="give refunds")
        paid = _payment(session, payment_id)
        prescription = locked(session, paid.prescription_id)
        money_back = _amount(amount)
        written = written_reason(reason)
        if paid.kind != PAYMENT or paid.voided_at is not None:
            raise Conflict("voided", f"payment {payment_id} was voided or is not a payment")
        left = paid.amount - _refunded(session, paid)
        if money_back > left:
            raise Conflict(
                "more_than_paid",
                f"payment {payment_id} has {money(left)} left to refund; "
                f"{money(money_back)} is more than was paid",
            )
        row = _row(prescription, user.id, staff, REFUND, money_back, today)
        row.fill_number = paid.fill_number
        row.method, row.card_last4, row.reference = paid.method, paid.card_last4, paid.reference
        row.refund_of, row.reason = paid.id, written
        session.add(row)
        session.flush()
        trail.record(
            session,
            staff.actor,
            "payment.refunded",
            prescription_id=prescription.id,
            request_id=request_id,
            payment_id=row.id,
            refund_of=paid.id,
            fill=paid.fill_number,
            reason=written,
        )
        return row


def void(
    session: Session,
    staff: Staff,
    payment_id: int,
    reason: str,
    *,
    request_id: str | None = None,
) -> Payment:
    """Strike out a row entered in error (the terminal's charge voided too), with a
    reason; it stays on record, counted nowhere. A payment that was partly refunded is
    refunded, not voided, and so is one whose fill was handed over on it."""
    with unit_of_work(session):
        authorize(session, staff, Action.DISPENSE, doing="void payments")
        row = _payment(session, payment_id)
        prescription = locked(session, row.prescription_id)
        written = written_reason(reason)
        if row.voided_at is not None:
            raise Conflict("voided", f"payment {payment_id} is already voided")
        if row.kind == PAYMENT and _refunded(session, row):
            raise Conflict(
                "has_refunds", f"payment {payment_id} was partly refunded: refund the rest"
            )
        if row.kind != REFUND and _handed_over(session, row):
            raise Conflict(
                "handed_over",
                f"Rx {prescription.rx_number} was handed over on payment {payment_id}: "
                "give a refund instead",
            )
        row.voided_at, row.voided_by_name, row.void_reason = utcnow(), staff.username, written
        trail.record(
            session,
            staff.actor,
            "payment.voided",
            prescription_id=prescription.id,
            request_id=request_id,
            payment_id=row.id,
            fill=row.fill_number,
            reason=written,
        )
        return row


def waive(
    session: Session,
    staff: Staff,
    rx_number: int,
    reason: str,
    *,
    today: date,
    request_id: str | None = None,
) -> Payment:
    """A pharmacist lets the fill in progress be handed over unpaid, with a reason."""
    with unit_of_work(session):
        user = authorize(session, staff, Action.OVERRIDE, doing="waive payment")
        prescription = locked(session, rx_number)
        _payable(prescription)
        written = written_reason(reason)
        row = _row(prescription, user.id, staff, WAIVER, Decimal(0), today)
        row.reason = written
        session.add(row)
        session.flush()
        trail.record(
            session,
            staff.actor,
            "payment.waived",
            prescription_id=prescription.id,
            request_id=request_id,
            payment_id=row.id,
            fill=prescription.current_fill,
            reason=written,
        )
        return row


def _row(
    prescription: Prescription, user_id: int, staff: Staff, kind: str, amount: Decimal, on: date
) -> Payment:
    return Payment(
        prescription_id=prescription.id,
        fill_number=prescription.current_fill,
        kind=kind,
        amount=amount,
        taken_by=user_id,
        taken_by_name=staff.username,
        taken_on=on,
        at=utcnow(),
    )


def _payable(prescription: Prescription) -> None:
    if Status(prescription.status) not in PAYABLE or prescription.price_total is None:
        state = prescription.status.replace("_", " ")
        raise Conflict(
            "not_payable",
            f"Rx {prescription.rx_number} is {state}: a fill is paid for once it is worked "
            "and priced, and before it is handed over",
        )


def _handed_over(session: Session, row: Payment) -> bool:
    """Whether the row's fill was dispensed or shipped (its day is on its fill's row)."""
    day = session.scalar(
        select(Fill.dispensed_on).where(
            Fill.prescription_id == row.prescription_id, Fill.number == row.fill_number
        )
    )
    return day is not None


def _payment(session: Session, payment_id: int) -> Payment:
    row = session.scalar(select(Payment).where(Payment.id == payment_id).with_for_update())
    if row is None:
        raise NotFound(f"there is no payment {payment_id}")
    return row


def _refunded(session: Session, paid: Payment) -> Decimal:
    amounts = session.scalars(
        select(Payment.amount).where(Payment.refund_of == paid.id, Payment.voided_at.is_(None))
    )
    return sum(amounts, Decimal(0))


def _amount(text: str | Decimal, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(text).strip().removeprefix("$"))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0:
        raise invalid([Problem(field, "an amount in dollars and cents, more than $0.00")])
    if amount != amount.quantize(CENT) or amount >= Decimal("100000"):
        raise invalid([Problem(field, "dollars and cents, at most 2 decimals")])
    return amount.quantize(CENT)


def _tender(tender: Tender) -> tuple[str, Decimal, str | None, str | None]:
    """The tender as stored, or Invalid naming each field that is wrong."""
    problems = []
    method = tender.method
    if method not in METHODS:
        problems.append(Problem("method", f"one of: {', '.join(METHODS.values())}"))
    last4, reference = tidy(tender.card_last4 or ""), tidy(tender.reference or "")
    if method in CARDS:
        if not LAST4.fullmatch(last4):
            problems.append(Problem("card_last4", "the card's last 4 digits"))
        if not REFERENCE.fullmatch(reference):
            problems.append(
                Problem("reference", "the authorization reference the terminal printed")
            )
    elif method == "check":
        if not REFERENCE.fullmatch(reference):
            problems.append(Problem("reference", "the check's number"))
        last4 = ""
    else:
        last4, reference = "", ""
    try:
        amount = _amount(tender.amount)
    except Invalid as error:
        problems.extend(error.problems)
        amount = Decimal(0)
    if problems:
        raise invalid(problems)
    return method, amount, last4 or None, reference or None
