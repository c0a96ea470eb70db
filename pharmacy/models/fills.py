"""The fills of a prescription: each making and dispensing of it.

Fill 0 is the original; each refill is a new fill. The prescription's row holds the
fill in progress (its status, quantity, beyond-use date, price and the lists it is
screened on); a fill's own row keeps what it was when it ended, so every fill can be
shown as it was once the next one starts. Worksheets, price lines, alerts, compounding
records and status changes carry the number of the fill they belong to.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Fill(Base):
    __tablename__ = "fills"
    __table_args__ = (
        UniqueConstraint("prescription_id", "number"),
        # The queue's "refills due": dispensed fills still the latest of their
        # prescription (an ended fill has its status written), by the day dispensed.
        Index(
            "ix_fills_dispensed_latest",
            "dispensed_on",
            postgresql_where=text("status IS NULL AND dispensed_on IS NOT NULL"),
            sqlite_where=text("status IS NULL AND dispensed_on IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"))
    number: Mapped[int] = mapped_column(server_default="0")  # 0, 1, 2... in the order made
    # Which refill this is (0: the original fill). A refill cancelled before it was
    # dispensed used none: the next one has the same `refill` and the next `number`.
    refill: Mapped[int] = mapped_column(server_default="0")
    # A part of a split fill: days [first_day, first_day + days) of its refill's supply
    # (days None: to the end). A part after the first uses no refill.
    first_day: Mapped[int] = mapped_column(server_default="0")
    days: Mapped[int | None]
    requested_via: Mapped[str] = mapped_column(String(20), server_default="original")
    requested_by: Mapped[str | None] = mapped_column(String(120))  # an actor's label
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    dispensed_on: Mapped[date | None]  # the pharmacy's day
    # What the fill was when it ended (None while it is the one in progress).
    status: Mapped[str | None] = mapped_column(String(20))
    steps: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    quantity_unit: Mapped[str | None] = mapped_column(String(10))
    beyond_use_date: Mapped[date | None]
    price_total: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    allergies: Mapped[list[str] | None] = mapped_column(JSON)
    medications: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    conditions: Mapped[list[str] | None] = mapped_column(JSON)
