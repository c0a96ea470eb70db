"""Splitting a fill at its beyond-use date (domain §10): a pharmacist's choice for a
fill on hold or ready whose preparation would not last its days supply.

The fill as worked ends (`split`) and the prescription's row takes its first part: the
days the preparation lasts, worked again as a new fill of the same refill (its own
worksheet, price and label, for the part's doses). Once that part is dispensed, the
rest of the supply is owed: the next refill request starts it, without using a refill
(`intake.refills`); if the rest is still longer than the preparation lasts, it is held
again and split again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.domain.refills import part_line, split_part
from pharmacy.domain.workflow import Action
from pharmacy.models import Alert, Fill, OutboxMessage, Worksheet, in_current_fill, utcnow
from pharmacy.services import Conflict
from pharmacy.services.counter.access import Staff, authorize
from pharmacy.services.counter.changes import checked_move, locked
from pharmacy.services.intake import refills
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

SPLIT = "prescription.fill_split"
ENDED = "split"  # how the fill that was split ends
VIA = "split"
# The screening finding a split answers (`domain.compounding.compute`).
BUD_FINDING = "bud_shorter_than_supply"


@dataclass(frozen=True)
class Split:
    rx_number: int
    part_days: int
    balance_days: int
    work: OutboxMessage  # to publish once committed


def split_fill(
    session: Session, staff: Staff, rx_number: int, *, request_id: str | None = None
) -> Split:
    """Split the fill in progress of Rx `rx_number` at the beyond-use date its
    worksheet found; Conflict when its preparation lasts its whole supply."""
    with unit_of_work(session):
        authorize(session, staff, Action.SPLIT)
        prescription = locked(session, rx_number)
        checked_move(prescription, Action.SPLIT)
        worksheet = session.scalar(
            select(Worksheet.data).where(in_current_fill(Worksheet, prescription.id))
        )
        days_left = prescription.part_days
        lasts = int(worksheet["beyond_use"]["days"]) if worksheet else None
        part = split_part(days_left, lasts) if lasts else None
        if part is None:
            raise Conflict(
                "nothing_to_split",
                f"Rx {rx_number} lasts its {days_left}-day supply within its beyond-use "
                "date: there is nothing to split",
            )
        _answered(session, prescription.id, prescription.current_fill, staff, part)
        fills = session.scalars(
            select(Fill).where(Fill.prescription_id == prescription.id).order_by(Fill.number)
        ).all()
        split = fills[-1]
        refills.keep_as_it_ended(prescription, split)
        split.status = ENDED
        first_day = prescription.fill_first_day
        fill, work = refills.next_fill(
            session,
            prescription,
            split,
            staff.actor,
            refill=split.refill,
            via=VIA,
            request_id=request_id,
            sending_now=True,
            lists={
                "allergies": prescription.allergies,
                "medications": prescription.medications,
                "conditions": prescription.conditions,
                "lists_on_record": prescription.lists_on_record,
            },
            part=(first_day, part),
        )
        balance = days_left - part
        trail.record(
            session,
            staff.actor,
            SPLIT,
            prescription_id=prescription.id,
            request_id=request_id,
            fill=fill.number,
            part=part_line(first_day, part, prescription.days_supply),
            balance_days=balance,
        )
    return Split(rx_number, part, balance, work)


def _answered(
    session: Session, prescription_id: int, fill_number: int, staff: Staff, part: int
) -> None:
    """The split fill's open beyond-use finding is resolved by the split."""
    for alert in session.scalars(
        select(Alert).where(
            Alert.prescription_id == prescription_id,
            Alert.fill_number == fill_number,
            Alert.code == BUD_FINDING,
            Alert.resolution.is_(None),
        )
    ):
        alert.resolution = ENDED
        alert.resolved_by = staff.actor.label
        alert.resolved_reason = f"split: the first {part} days are made now, the rest later"
        alert.resolved_at = utcnow()
