"""The offer to counsel, made whenever a fill is handed over (dispensed or shipped).

The person handing it over offers; the patient accepts or declines. Counseling itself is
a pharmacist's: when the patient accepts, the pharmacist who counseled is named (the one
handing over, if a pharmacist, or another named by username). The offer is kept with
the fill, in the hand-over's unit of work, so a fill is never handed over without it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.domain.prescription import Problem
from pharmacy.domain.written import note_problem, tidy
from pharmacy.models import CounselingOffer, Prescription, User
from pharmacy.services.counter.access import Staff
from pharmacy.services.counter.changes import invalid

ACCEPTED, DECLINED = "accepted", "declined"


@dataclass(frozen=True)
class Offer:
    """What the counter recorded: `answer` accepted or declined (anything else is not an
    answer); `counseled_by`, a pharmacist's username when accepted and the person
    handing over is not one; `note`, what was discussed (optional)."""

    answer: str | None
    counseled_by: str | None = None
    note: str = ""


def record_offer(
    session: Session, staff: Staff, prescription: Prescription, offer: Offer | None, hand_over: str
) -> CounselingOffer:
    """Keep the offer with the fill in progress, in the caller's unit of work; Invalid
    (field `counseling` or `counseled_by`) when it was not answered or no pharmacist
    counseled an accepted offer."""
    answer = None if offer is None else offer.answer
    if answer not in (ACCEPTED, DECLINED):
        raise invalid(
            [Problem("counseling", "record whether the patient accepted the offer to counsel")]
        )
    assert offer is not None
    note_wrong = note_problem(offer.note or "")
    if note_wrong:
        raise invalid([Problem("counseling_note", note_wrong)])
    counselor = None
    if answer == ACCEPTED:
        counselor = _pharmacist(session, staff, offer.counseled_by)
    row = CounselingOffer(
        prescription_id=prescription.id,
        fill_number=prescription.current_fill,
        hand_over=hand_over,
        accepted=answer == ACCEPTED,
        offered_by_name=staff.username,
        counseled_by_name=counselor,
        note=tidy(offer.note) or None,
    )
    session.add(row)
    return row


def _pharmacist(session: Session, staff: Staff, named: str | None) -> str:
    """The username of the pharmacist who counseled."""
    if staff.role == "pharmacist" and not named:
        return staff.username
    user = None
    if named:
        user = session.scalar(
            select(User).where(User.username == named.strip(), User.active.is_(True))
        )
    if user is None or user.role != "pharmacist":
        raise invalid(
            [
                Problem(
                    "counseled_by",
                    "the patient accepted counseling: name the pharmacist who counseled "
                    "(an active pharmacist's username)",
                )
            ]
        )
    return user.username
