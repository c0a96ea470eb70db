"""Refills at the counter: a technician takes the patient's call and starts the next fill,
and the staff switch a prescription's automatic refills on or off.

A refill asked for here is the same refill as the clinic's (`intake.refills.start_refill`,
`via="dashboard"`): the same refusals with the same codes and words, so a patient who
calls and a clinic that asks are told the same thing. The counter's only part is who
may ask (the workflow's table, `Action.REFILL`: a technician or a pharmacist) and the
lock on the order. The new fill's outbox message is returned, not sent: the caller
publishes it once the unit of work has committed, as the API does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from pharmacy.domain.refills import RefillRefused
from pharmacy.models import OutboxMessage, Prescription
from pharmacy.services import Conflict
from pharmacy.services.counter.access import Action, Staff, authorize
from pharmacy.services.counter.changes import locked, shown
from pharmacy.services.intake.refills import start_refill
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

__all__ = ["AUTO_REFILL_SET", "SWITCHING", "Refilled", "refill", "set_auto_refill"]

AUTO_REFILL_SET = "prescription.auto_refill_set"
SWITCHING = "switch automatic refills on or off"


@dataclass(frozen=True)
class Refilled:
    """The prescription with its new fill, as committed, and the message that has the
    worker work it (publish it after the commit: `records.outbox.send_committed`)."""

    prescription: Prescription
    work: OutboxMessage


def refill(
    session: Session,
    staff: Staff,
    rx_number: int,
    *,
    today: date,
    request_id: str | None = None,
    sending_now: bool = False,
) -> Refilled:
    """Start the prescription's next fill for a patient who called in.

    Refused with Forbidden for a role that may not (an admin), and with Conflict, code
    and message the contract's (`not_active`, `fill_in_progress`, `expired`,
    `no_refills_left`, `too_soon` with `earliest_on`), when the refill may not start
    today; a refusal changes nothing. `sending_now`: the caller sends the message right
    after the commit (see `records.outbox.message`)."""
    with unit_of_work(session):
        authorize(session, staff, Action.REFILL)
        prescription = locked(session, rx_number)
        try:
            started = start_refill(
                session,
                prescription,
                staff.actor,
                via="dashboard",
                today=today,
                request_id=request_id,
                sending_now=sending_now,
            )
        except RefillRefused as refused:
            extra = {"earliest_on": refused.earliest_on.isoformat()} if refused.earliest_on else {}
            raise Conflict(refused.code, refused.message, extra) from None
        session.flush()
        return Refilled(shown(session, prescription.id), started.work)


def set_auto_refill(
    session: Session,
    staff: Staff,
    rx_number: int,
    on: bool,
    *,
    request_id: str | None = None,
) -> Prescription:
    """Switch the prescription's automatic refills on or off: when on, the pharmacy's
    schedule starts each refill a few days before the last fill runs out.

    For those who may start a refill by hand (a technician or a pharmacist), and
    audited with who switched it and to what. Switching it to what it already is
    changes nothing and records nothing."""
    if not isinstance(on, bool):
        raise TypeError("on is True or False")
    with unit_of_work(session):
        authorize(session, staff, Action.REFILL, doing=SWITCHING)
        prescription = locked(session, rx_number)
        if prescription.auto_refill != on:
            prescription.auto_refill = on
            trail.record(
                session,
                staff.actor,
                AUTO_REFILL_SET,
                prescription_id=prescription.id,
                request_id=request_id,
                auto_refill=on,
            )
        session.flush()
        return shown(session, prescription.id)
