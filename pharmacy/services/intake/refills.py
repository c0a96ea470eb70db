"""Refills: a new fill of a prescription, asked for by the clinic, by a technician who
takes the patient's call, or started by the pharmacy's own schedule.

A refill is refused (`RefillRefused`, with the contract's code) when the prescription
was stopped, a fill is still in progress, it expired, no refills are left, or it is too
soon. Otherwise the fill that ended is kept as it was, and the prescription's row takes
the new fill: status `received`, nothing worked out yet, the patient's lists as they
are on record today. The worker then screens and works it as any received order, with
the doses of its part of the course.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pharmacy.domain import workflow
from pharmacy.domain.refills import LastFill, RefillRefused, refill_refusal
from pharmacy.domain.workflow import HANDED_OVER, Status
from pharmacy.models import Fill, OutboxMessage, Patient, Prescription, Setting
from pharmacy.services import Actor
from pharmacy.services.reads.fills import steps_in_progress
from pharmacy.services.records import outbox, trail

TOO_SOON_SETTING = "refill_too_soon_percent"
REQUESTED = "prescription.refill_requested"
VIA = ("api", "dashboard", "auto")


@dataclasses.dataclass(frozen=True)
class Refill:
    prescription: Prescription
    fill: Fill
    work: OutboxMessage  # to publish once committed


def start_refill(
    session: Session,
    prescription: Prescription,
    actor: Actor,
    *,
    via: str,
    today: date,
    request_id: str | None = None,
    sending_now: bool = False,
) -> Refill:
    """Start the next fill of `prescription`, locked by the caller in its unit of work;
    RefillRefused says why not."""
    if via not in VIA:
        raise ValueError(f"a refill is asked for by one of {VIA}")
    fills = session.scalars(
        select(Fill).where(Fill.prescription_id == prescription.id).order_by(Fill.number)
    ).all()
    current = fills[-1]
    balance = _balance_owed(prescription)
    refusal = refill_refusal(
        rx_number=prescription.rx_number,
        prescription_closed=_stopped(prescription),
        last_fill=_last_fill(prescription, fills),
        refills_remaining=prescription.refills_remaining,
        written_on=prescription.written_on,
        today=today,
        too_soon_percent=_too_soon_percent(session),
        balance_owed=balance,
    )
    if refusal is not None:
        raise refusal
    keep_as_it_ended(prescription, current)
    if balance:  # the rest of a split fill: the same refill, from where the part ended
        refill = prescription.current_refill
        part = (prescription.fill_first_day + prescription.part_days, None)
    else:
        refill = prescription.refills - prescription.refills_remaining + 1
        part = (0, None)
    fill, work = next_fill(
        session,
        prescription,
        current,
        actor,
        refill=refill,
        via=via,
        request_id=request_id,
        sending_now=sending_now,
        part=part,
    )
    trail.record(
        session,
        actor,
        REQUESTED,
        prescription_id=prescription.id,
        request_id=request_id,
        fill=fill.number,
        refill=refill,
        via=via,
    )
    return Refill(prescription, fill, work)


def next_fill(
    session: Session,
    prescription: Prescription,
    ended: Fill,
    actor: Actor,
    *,
    refill: int,
    via: str,
    request_id: str | None,
    sending_now: bool,
    lists: dict[str, Any] | None = None,
    reason: str | None = None,
    part: tuple[int, int | None] = (0, None),
) -> tuple[Fill, OutboxMessage]:
    """The fill after `ended` (kept as it ended by the caller), taken up by the
    prescription's row (`take_up`) as `received`, with its first status and the
    message that has the worker work it. `part`: the first day and the days of its
    refill's supply it covers (None: to the end)."""
    fill = Fill(
        prescription_id=prescription.id,
        number=ended.number + 1,
        refill=refill,
        first_day=part[0],
        days=part[1],
        requested_via=via,
        requested_by=actor.label,
    )
    session.add(fill)
    take_up(session, prescription, fill, lists=lists)
    session.flush()
    first = workflow.move(None, workflow.FIRST)
    trail.write(
        session,
        status_changes=[
            trail.status_change(prescription.id, *first, actor, reason=reason, fill=fill.number)
        ],
    )
    work = outbox.enqueue(
        session,
        outbox.PRESCRIPTION_RECEIVED,
        {"prescription_id": prescription.id},
        request_id=request_id,
        sending_now=sending_now,
    )
    return fill, work


def _balance_owed(prescription: Prescription) -> bool:
    """The fill last dispensed was a part of a split fill, and the rest is still owed."""
    return prescription.status in HANDED_OVER and prescription.balance_days > 0


def _stopped(prescription: Prescription) -> bool:
    """A prescription whose original fill was cancelled or rejected was stopped."""
    return prescription.current_refill == 0 and prescription.status in (
        Status.CANCELLED,
        Status.REJECTED,
    )


def _last_fill(prescription: Prescription, fills: list[Fill]) -> LastFill:
    """The fill that counts: the one in progress or last made; but when that one was
    cancelled before it was dispensed, the last one dispensed (for "too soon")."""
    status = Status(prescription.status)
    if status is Status.CANCELLED:
        dispensed = [f for f in fills if f.dispensed_on is not None]
        if dispensed:
            last = dispensed[-1]
            days = last.days if last.days is not None else prescription.days_supply - last.first_day
            return LastFill(Status.DISPENSED, last.dispensed_on, days)
    return LastFill(status, fills[-1].dispensed_on, prescription.part_days)


def _too_soon_percent(session: Session) -> int:
    value = session.scalar(select(Setting.value).where(Setting.key == TOO_SOON_SETTING))
    return 75 if value is None else int(value)


def keep_as_it_ended(prescription: Prescription, fill: Fill) -> None:
    """The fill that ended, kept as it was: the prescription's row is about to take the
    next one."""
    steps = steps_in_progress(prescription)
    fill.status = str(prescription.status)
    fill.steps = [{"dose_mg": str(s.dose_mg), "days": s.days} for s in steps]
    fill.quantity = prescription.quantity
    fill.quantity_unit = prescription.quantity_unit
    fill.beyond_use_date = prescription.beyond_use_date
    fill.price_total = prescription.price_total
    fill.allergies = prescription.allergies
    fill.medications = prescription.medications
    fill.conditions = prescription.conditions


def take_up(
    session: Session,
    prescription: Prescription,
    fill: Fill,
    *,
    lists: dict[str, Any] | None = None,
) -> None:
    """The prescription's row takes the new fill: received, nothing worked out, and
    screened on `lists` (with `lists_on_record`), by default the patient's lists as
    they are on record now."""
    if lists is None:
        patient = session.get(Patient, prescription.patient_id)
        lists = {
            "allergies": patient.allergies,
            "medications": patient.medications,
            "conditions": patient.conditions,
            "lists_on_record": ["allergies", "medications", "conditions"],
        }
    session.execute(
        update(Prescription)
        .where(Prescription.id == prescription.id)
        .values(
            status=workflow.FIRST.value,
            current_fill=fill.number,
            current_refill=fill.refill,
            fill_first_day=fill.first_day,
            fill_days=fill.days,
            quantity=None,
            quantity_unit=None,
            beyond_use_date=None,
            price_total=None,
            price_list_id=None,
            drug_data_version=None,
            **lists,
        )
        .execution_options(synchronize_session="fetch")
    )
    session.refresh(prescription)


__all__ = [
    "VIA",
    "Refill",
    "RefillRefused",
    "keep_as_it_ended",
    "next_fill",
    "start_refill",
    "take_up",
]
