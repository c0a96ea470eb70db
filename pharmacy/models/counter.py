"""What happens at the counter when a fill is handed over: the money taken for it, the
parcel it was mailed in, and the offer to counsel the patient.

Each row belongs to one fill (prescription id and fill number), as worksheets and price
lines do, so a refill's money and parcel are never mixed with the last fill's.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Payment(Base):
    """Money taken for a fill, money given back, or a pharmacist's waiver.

    `kind`: `payment` (the patient pays, `amount` > 0), `refund` (money given back on
    the payment `refund_of`, `amount` > 0 and at most what is left of it) or `waiver`
    (a pharmacist lets the fill go unpaid, with a reason; no amount). A row is never
    deleted: a payment entered in error is voided, with who, when and why."""

    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_prescription_fill", "prescription_id", "fill_number"),
        Index("ix_payments_taken_on", "taken_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"))
    fill_number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    # cash | card | hsa_fsa | check; none for a waiver
    method: Mapped[str | None] = mapped_column(String(10))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    # The terminal's authorization reference for a card, or the check's number.
    reference: Mapped[str | None] = mapped_column(String(40))
    refund_of: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    reason: Mapped[str | None] = mapped_column(Text)  # a refund's or a waiver's
    taken_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    taken_by_name: Mapped[str] = mapped_column(String(120))
    taken_on: Mapped[date]  # the pharmacy's day, which the daily report goes by
    at: Mapped[datetime] = mapped_column(default=utcnow)
    voided_at: Mapped[datetime | None]
    voided_by_name: Mapped[str | None] = mapped_column(String(120))
    void_reason: Mapped[str | None] = mapped_column(Text)


class Shipment(Base):
    """A fill mailed to the patient instead of picked up: one parcel per fill."""

    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("prescription_id", "fill_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"))
    fill_number: Mapped[int]
    # The address as printed on the packing slip, one line each.
    address: Mapped[str] = mapped_column(Text)
    to_address_on_record: Mapped[bool]
    carrier: Mapped[str] = mapped_column(String(40))
    tracking_number: Mapped[str] = mapped_column(String(60))
    shipped_on: Mapped[date]
    transit_days: Mapped[int]
    arrives_on: Mapped[date]
    # A pharmacist's reason to mail a fill that arrives with fewer days before its
    # beyond-use date than its supply needs.
    short_supply_reason: Mapped[str | None] = mapped_column(Text)
    shipped_by_name: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class CounselingOffer(Base):
    """The offer to counsel made when a fill is handed over (dispensed or shipped):
    accepted or declined, who offered it, and the pharmacist who counseled."""

    __tablename__ = "counseling"
    __table_args__ = (UniqueConstraint("prescription_id", "fill_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"))
    fill_number: Mapped[int]
    hand_over: Mapped[str] = mapped_column(String(10))  # dispense | ship
    accepted: Mapped[bool]
    offered_by_name: Mapped[str] = mapped_column(String(120))
    counseled_by_name: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
