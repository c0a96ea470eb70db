"""The pharmacy's requests to a prescriber to renew a prescription, and their answers.

A prescription is asked about once: when its last refill is dispensed, or when it is
about to expire. The clinic answers by sending a renewing prescription (which names the
one it renews, `Prescription.renews_id`) or by declining, with a reason.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class RenewalRequest(Base):
    __tablename__ = "renewal_requests"
    # The pending requests, newest first, for the dashboard's list.
    __table_args__ = (Index("ix_renewal_requests_state_requested_at", "state", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"), unique=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(String(20))  # no_refills_left | expiring
    state: Mapped[str] = mapped_column(String(20), server_default="requested")
    answered_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(Text)
    # The prescription the clinic sent to renew it.
    renewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("prescriptions.id"))
