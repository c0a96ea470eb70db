"""A prescription's versions as the order page shows them: each one the prescriber's
answer made, with what it changed from the one before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.domain.versions import Difference, differences
from pharmacy.models import Clarification, PrescriptionVersion


@dataclass(frozen=True)
class VersionShown:
    number: int
    made_at: datetime
    question: str | None  # the pharmacist's question the change answered
    answer: str | None
    changed: tuple[Difference, ...]  # from the version before (none for the first)


def versions_of(session: Session, prescription_id: int) -> tuple[VersionShown, ...]:
    """Every version, the first as sent; none when the prescription was never changed."""
    rows = session.execute(
        select(PrescriptionVersion, Clarification)
        .outerjoin(Clarification, Clarification.id == PrescriptionVersion.clarification_id)
        .where(PrescriptionVersion.prescription_id == prescription_id)
        .order_by(PrescriptionVersion.number)
    ).all()
    shown = []
    before = None
    for version, asked in rows:
        shown.append(
            VersionShown(
                number=version.number,
                made_at=version.created_at,
                question=asked.question if asked else None,
                answer=asked.answer if asked else None,
                changed=tuple(differences(before, version.body)) if before is not None else (),
            )
        )
        before = version.body
    return tuple(shown)
