"""A pharmacist's question to the prescriber about an order on hold or ready.

The order waits (`awaiting_prescriber`) until the clinic answers through the API
(`intake.clarifications`), cancels it, or the pharmacist rejects it. The question goes
to the clinic with the event `prescription.clarification_requested` (which its
webhooks carry) and on the prescription the clinic reads.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from pharmacy.domain.workflow import Action
from pharmacy.models import Clarification, Prescription
from pharmacy.services.counter.access import Staff, authorize
from pharmacy.services.counter.changes import checked_move, locked, shown, write_move
from pharmacy.services.counter.changes import written_reason as written_question
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

ASKED = "prescription.clarification_requested"


def ask_prescriber(
    session: Session,
    staff: Staff,
    rx_number: int,
    question: str,
    *,
    request_id: str | None = None,
) -> Prescription:
    """Ask the prescriber `question` (written as a reason is: it is kept in the record,
    and refused, naming the field `reason`, when empty or too short)."""
    with unit_of_work(session):
        authorize(session, staff, Action.ASK_PRESCRIBER)
        prescription = locked(session, rx_number)
        change = checked_move(prescription, Action.ASK_PRESCRIBER)
        written = written_question(question)
        session.add(
            Clarification(
                prescription_id=prescription.id,
                fill_number=prescription.current_fill,
                question=written,
                asked_by=staff.actor.label,
            )
        )
        write_move(session, prescription, change, staff, written)
        trail.record(
            session,
            staff.actor,
            ASKED,
            prescription_id=prescription.id,
            request_id=request_id,
            fill=prescription.current_fill,
            from_status=change.from_status.value,
            question=written,
        )
        session.flush()
        return shown(session, prescription.id)
