"""What the staff are shown of the counter's money and hand-overs: a fill's payments,
parcel and counseling on the order page, the receipt's payment lines, and the day's
payments report.

The report names Rx numbers, never patients, so reading it reads no patient data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.domain.labeling import long_date
from pharmacy.models import CounselingOffer, Payment, Prescription, Shipment

PAYMENT, REFUND, WAIVER = "payment", "refund", "waiver"
METHODS = {"cash": "Cash", "card": "Card", "hsa_fsa": "HSA/FSA card", "check": "Check"}


def payment_rows(session: Session, prescription: Prescription) -> list[Payment]:
    """The fill in progress's payments, refunds and waiver, voided ones left out."""
    return list(
        session.scalars(
            select(Payment)
            .where(
                Payment.prescription_id == prescription.id,
                Payment.fill_number == prescription.current_fill,
                Payment.voided_at.is_(None),
            )
            .order_by(Payment.id)
        )
    )


def how(method: str | None, last4: str | None, reference: str | None) -> str:
    """ "Card ending 4242 (auth 123456)", "Cash", "Check no. 1001"."""
    name = METHODS.get(method or "", method or "")
    if last4:
        name = f"{name} ending {last4}"
    if reference:
        name += f" (check no. {reference})" if method == "check" else f" (auth {reference})"
    return name


def receipt_words(row: Payment) -> str:
    """A payment or refund as the receipt prints it."""
    by = how(row.method, row.card_last4, row.reference)
    day = long_date(row.taken_on)
    if row.kind == REFUND:
        return f"Refunded to {by}, {day}: {row.reason}"
    return f"Paid: {by}, {day}"


def signed(row: Payment) -> Decimal:
    """The amount as money in (a payment) or out (a refund)."""
    return -row.amount if row.kind == REFUND else row.amount


@dataclass(frozen=True)
class PaymentLine:
    """One row of the order page's payments or the day's report."""

    id: int
    rx_number: str
    fill: int
    kind: str
    method: str
    how: str
    amount: Decimal
    by: str
    at: datetime
    reason: str | None
    refund_of: int | None
    voided: bool
    void_reason: str | None
    voided_by: str | None
    refundable: Decimal  # what is left of a payment to give back


@dataclass(frozen=True)
class ShipmentShown:
    address: tuple[str, ...]
    to_address_on_record: bool
    carrier: str
    tracking_number: str
    shipped_on: date
    transit_days: int
    arrives_on: date
    short_supply_reason: str | None
    by: str


@dataclass(frozen=True)
class CounselingShown:
    hand_over: str
    accepted: bool
    offered_by: str
    counseled_by: str | None
    note: str | None
    at: datetime


@dataclass(frozen=True)
class CounterView:
    """The order page's counter panel: the fill's money, parcel and counseling."""

    price: Decimal
    paid: Decimal
    refunded: Decimal
    waived: str | None  # the waiver's reason, with who
    due: Decimal
    lines: tuple[PaymentLine, ...]
    shipment: ShipmentShown | None
    counseling: CounselingShown | None


def _lines(rows: list[Payment]) -> tuple[PaymentLine, ...]:
    refunded: dict[int, Decimal] = {}
    for row in rows:
        if row.kind == REFUND and row.voided_at is None and row.refund_of is not None:
            refunded[row.refund_of] = refunded.get(row.refund_of, Decimal(0)) + row.amount
    return tuple(
        PaymentLine(
            id=row.id,
            rx_number=str(row.prescription_id),
            fill=row.fill_number,
            kind=row.kind,
            method=row.method or "",
            how=how(row.method, row.card_last4, row.reference) if row.method else "",
            amount=row.amount,
            by=row.taken_by_name,
            at=row.at,
            reason=row.reason,
            refund_of=row.refund_of,
            voided=row.voided_at is not None,
            void_reason=row.void_reason,
            voided_by=row.voided_by_name,
            refundable=(
                row.amount - refunded.get(row.id, Decimal(0))
                if row.kind == PAYMENT and row.voided_at is None
                else Decimal(0)
            ),
        )
        for row in rows
    )


def counter_view(session: Session, prescription: Prescription) -> CounterView:
    """The fill in progress at the counter (voided rows shown, counted nowhere)."""
    rows = list(
        session.scalars(
            select(Payment)
            .where(
                Payment.prescription_id == prescription.id,
                Payment.fill_number == prescription.current_fill,
            )
            .order_by(Payment.id)
        )
    )
    live = [row for row in rows if row.voided_at is None]
    paid = sum((row.amount for row in live if row.kind == PAYMENT), Decimal(0))
    refunded = sum((row.amount for row in live if row.kind == REFUND), Decimal(0))
    waiver = next((row for row in live if row.kind == WAIVER), None)
    price = prescription.price_total or Decimal(0)
    mine = (CounselingOffer.prescription_id == prescription.id) & (
        CounselingOffer.fill_number == prescription.current_fill
    )
    offer = session.scalar(select(CounselingOffer).where(mine))
    parcel = session.scalar(
        select(Shipment).where(
            Shipment.prescription_id == prescription.id,
            Shipment.fill_number == prescription.current_fill,
        )
    )
    return CounterView(
        price=price,
        paid=paid,
        refunded=refunded,
        waived=f"{waiver.reason} ({waiver.taken_by_name})" if waiver else None,
        due=Decimal(0) if waiver else max(price - paid + refunded, Decimal(0)),
        lines=_lines(rows),
        shipment=_shipment(parcel),
        counseling=offer
        and CounselingShown(
            offer.hand_over,
            offer.accepted,
            offer.offered_by_name,
            offer.counseled_by_name,
            offer.note,
            offer.at,
        ),
    )


def _shipment(parcel: Shipment | None) -> ShipmentShown | None:
    if parcel is None:
        return None
    return ShipmentShown(
        tuple(parcel.address.split("\n")),
        parcel.to_address_on_record,
        parcel.carrier,
        parcel.tracking_number,
        parcel.shipped_on,
        parcel.transit_days,
        parcel.arrives_on,
        parcel.short_supply_reason,
        parcel.shipped_by_name,
    )


# --- the day's report -------------------------------------------------------------------


@dataclass(frozen=True)
class MethodTotal:
    method: str
    name: str
    payments: int
    taken: Decimal
    refunds: int
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.taken - self.refunded


@dataclass(frozen=True)
class DailyPayments:
    """The money of one pharmacy day, by method: payments in, refunds out, and the net
    the drawer and the terminal should show. Voided rows and waivers are listed and
    counted nowhere."""

    day: date
    methods: tuple[MethodTotal, ...]
    lines: tuple[PaymentLine, ...]

    @property
    def taken(self) -> Decimal:
        return sum((method.taken for method in self.methods), Decimal(0))

    @property
    def refunded(self) -> Decimal:
        return sum((method.refunded for method in self.methods), Decimal(0))

    @property
    def net(self) -> Decimal:
        return self.taken - self.refunded


def daily_payments(session: Session, day: date) -> DailyPayments:
    rows = list(
        session.scalars(select(Payment).where(Payment.taken_on == day).order_by(Payment.id))
    )
    live = [row for row in rows if row.voided_at is None]
    methods = []
    for method, name in METHODS.items():
        taken = [row.amount for row in live if row.method == method and row.kind == PAYMENT]
        back = [row.amount for row in live if row.method == method and row.kind == REFUND]
        methods.append(
            MethodTotal(
                method, name, len(taken), sum(taken, Decimal(0)), len(back), sum(back, Decimal(0))
            )
        )
    return DailyPayments(day, tuple(methods), _lines(rows))
