"""The pharmacist's questions to a prescriber, and the versions of a prescription that
the prescriber's answers made.

A question is asked of the fill in progress (on hold or ready); the order waits for
the prescriber. The clinic answers, with changes or without: the order is worked again
as a new fill (the asked one is kept as it was). Changes make a new version of the
prescription; every version is kept whole, as the clinic's request made it, so the
order page can show what each answer changed. A prescription never changed has no
version rows: its one version is `Prescription.as_sent`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Clarification(Base):
    __tablename__ = "clarifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"), index=True)
    fill_number: Mapped[int]  # the fill the question was asked of
    question: Mapped[str] = mapped_column(Text)
    asked_by: Mapped[str] = mapped_column(String(120))  # an actor's label
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(20), server_default="asked")  # asked | answered
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    # The version of the prescription the answer left in force (a new one when it
    # changed anything).
    version: Mapped[int | None]


class PrescriptionVersion(Base):
    __tablename__ = "prescription_versions"
    __table_args__ = (UniqueConstraint("prescription_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"))
    number: Mapped[int]  # 1: as first sent
    # The whole prescription as this version has it, in the submit body's shape.
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What the clinic's answer changed (None for version 1).
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    clarification_id: Mapped[int | None] = mapped_column(ForeignKey("clarifications.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
