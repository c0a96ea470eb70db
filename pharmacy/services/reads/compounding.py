"""What the compounding bench is told about an order: the worksheet its batch is made
from, and whether the batch recorded for it passed its quality check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.models import CompoundingRecord, Worksheet, in_current_fill


@dataclass(frozen=True)
class QualityCheck:
    passed: bool
    summary: str  # what the check found, in a sentence
    has_deviation_note: bool  # the compounder explained the deviation for the verifier


def worksheet_data(session: Session, rx_number: int) -> dict[str, Any] | None:
    """The order's worksheet as computed (its JSON), or None before it is worked."""
    return session.scalar(select(Worksheet.data).where(in_current_fill(Worksheet, rx_number)))


def quality_check(session: Session, rx_number: int) -> QualityCheck | None:
    """The quality check of the batch recorded for the order, or None before one is."""
    record = session.scalar(
        select(CompoundingRecord).where(in_current_fill(CompoundingRecord, rx_number))
    )
    if record is None:
        return None
    return QualityCheck(
        passed=record.qc_passed,
        summary=record.qc.get("summary", "the quality check failed"),
        has_deviation_note=bool(record.deviations),
    )
