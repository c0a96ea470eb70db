"""The prescriber's answer to a pharmacist's question (`counter.questions` asks it).

The answer may change the prescription: the changes are laid over the version in force
and checked by every rule of a new prescription (`domain.versions`); they make a new
version, and every version is kept whole. With changes or without, the fill asked
about ends as it was (`replaced`), and the prescription's row takes a new fill of the
same refill, `received`, which the worker screens and works again: a changed strength
gets its own worksheet, price, label and compounding record, and a medication list
changed in the answer is what the new fill is screened on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from pharmacy.domain import workflow
from pharmacy.domain.prescription import PrescriptionOrder, Problem, prescription_problems
from pharmacy.domain.versions import fixed_field_problems, in_changes, with_changes
from pharmacy.domain.workflow import Action, Status
from pharmacy.models import (
    Clarification,
    DirectionStep,
    Fill,
    OutboxMessage,
    Patient,
    Prescription,
    PrescriptionVersion,
    utcnow,
)
from pharmacy.services import Actor, Conflict, Invalid
from pharmacy.services.intake import received_rows, refills
from pharmacy.services.records import trail

ANSWERED = "prescription.clarification_answered"
# How a fill asked about ends when the answer starts the next one.
REPLACED = "replaced"
VIA = "answer"

# The clinic's changes read as a prescription, or Invalid naming the fields sent wrong.
ReadOrder = Callable[[dict[str, Any]], PrescriptionOrder]


@dataclasses.dataclass(frozen=True)
class Answered:
    version: int
    fill: int
    work: OutboxMessage  # to publish once committed


def take_answer(
    session: Session,
    prescription: Prescription,
    actor: Actor,
    *,
    answer: str,
    changes: Mapping[str, Any],
    read_order: ReadOrder,
    today: date,
    request_id: str | None = None,
    sending_now: bool = False,
) -> Answered:
    """Take the clinic's answer for `prescription`, locked by the caller in its unit of
    work: Conflict when no question waits for one, Invalid when the changes break a
    rule (each problem named under `changes.`)."""
    try:
        workflow.move(prescription.status, Action.ANSWER, by=workflow.CLINIC)
    except workflow.Refused:
        raise Conflict(
            "not_awaiting_prescriber",
            f"the prescription is {Status(prescription.status).value.replace('_', ' ')}: "
            "the pharmacy is waiting for no answer about it",
        ) from None
    question = session.scalar(
        select(Clarification)
        .where(Clarification.prescription_id == prescription.id, Clarification.state == "asked")
        .order_by(Clarification.id.desc())
        .limit(1)
    )
    body = with_changes(prescription.as_sent, changes)
    order = _checked(prescription, body, changes, read_order, today)
    version = _versions(session, prescription, question, body, changes)
    fills = session.scalars(
        select(Fill).where(Fill.prescription_id == prescription.id).order_by(Fill.number)
    ).all()
    asked = fills[-1]
    refills.keep_as_it_ended(prescription, asked)
    asked.status = REPLACED
    if body != prescription.as_sent:
        _take_changes(session, prescription, order, body, changes)
    fill, work = refills.next_fill(
        session,
        prescription,
        asked,
        actor,
        refill=asked.refill,
        via=VIA,
        request_id=request_id,
        sending_now=sending_now,
        lists=_screened_on(prescription, order, changes),
        reason=answer,
        part=(prescription.fill_first_day, prescription.fill_days),
    )
    if question is not None:
        question.state = "answered"
        question.answer = answer
        question.answered_at = utcnow()
        question.version = version
    trail.record(
        session,
        actor,
        ANSWERED,
        prescription_id=prescription.id,
        request_id=request_id,
        fill=fill.number,
        version=version,
        changed=sorted(_names(changes)),
    )
    return Answered(version, fill.number, work)


def _checked(
    prescription: Prescription,
    body: dict[str, Any],
    changes: Mapping[str, Any],
    read_order: ReadOrder,
    today: date,
) -> PrescriptionOrder:
    """The changed prescription as an order, if it meets every rule of a new one and
    keeps its patient, prescriber and the refill being made."""
    fixed = fixed_field_problems(prescription.as_sent, changes)
    if fixed:
        raise Invalid(fixed)
    try:
        order = read_order(body)
    except Invalid as refused:
        raise Invalid(in_changes(refused.problems)) from None
    problems = in_changes(prescription_problems(order, today))
    if order.refills < prescription.current_refill:
        problems.append(
            Problem(
                "changes.refills",
                f"refill {prescription.current_refill} is being made, so refills must be "
                f"at least {prescription.current_refill}",
            )
        )
    if problems:
        raise Invalid(problems)
    return order


def _versions(
    session: Session,
    prescription: Prescription,
    question: Clarification | None,
    body: dict[str, Any],
    changes: Mapping[str, Any],
) -> int:
    """The version the answer leaves in force: a new one when it changes anything. The
    first version is written when the second is, from what the clinic first sent."""
    latest = session.scalar(
        select(func.max(PrescriptionVersion.number)).where(
            PrescriptionVersion.prescription_id == prescription.id
        )
    )
    if body == prescription.as_sent:
        return latest or 1
    rows = []
    if latest is None:
        latest = 1
        rows.append({"number": 1, "body": prescription.as_sent, "changes": None})
    rows.append(
        {
            "number": latest + 1,
            "body": body,
            "changes": dict(changes),
            "clarification_id": None if question is None else question.id,
        }
    )
    session.execute(
        insert(PrescriptionVersion),
        [{"prescription_id": prescription.id, "clarification_id": None, **row} for row in rows],
    )
    return latest + 1


def _take_changes(
    session: Session,
    prescription: Prescription,
    order: PrescriptionOrder,
    body: dict[str, Any],
    changes: Mapping[str, Any],
) -> None:
    """The prescription's row and direction steps become the new version; the
    patient's record takes what the answer changed of their details."""
    columns = received_rows.order_columns(order, body)
    del columns["status"]  # the new fill's, set as it starts
    columns["refills_remaining"] = prescription.refills_remaining + (
        order.refills - prescription.refills
    )
    if "auto_refill" in changes:  # else as it is (the staff may have switched it)
        columns["auto_refill"] = order.auto_refill
    session.execute(update(Prescription).where(Prescription.id == prescription.id).values(columns))
    session.execute(delete(DirectionStep).where(DirectionStep.prescription_id == prescription.id))
    session.execute(
        insert(DirectionStep),
        [
            {
                "prescription_id": prescription.id,
                "position": i,
                "dose_mg": s.dose_mg,
                "days": s.days,
            }
            for i, s in enumerate(order.directions.steps)
        ],
    )
    sent = changes.get("patient")
    if isinstance(sent, Mapping):
        details = received_rows.patient_lists(order)
        latest = {name: details[name] for name in details if name in sent}
        if latest:
            session.execute(
                update(Patient).where(Patient.id == prescription.patient_id).values(latest)
            )
    session.expire(prescription)


def _screened_on(
    prescription: Prescription, order: PrescriptionOrder, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """The new fill is screened on the lists the answer sent, and for the rest on those
    the fill asked about was screened on."""
    sent = changes.get("patient")
    sent = sent if isinstance(sent, Mapping) else {}
    details = received_rows.patient_lists(order)
    lists = {}
    for name in received_rows.LISTS:
        lists[name] = (details[name] or []) if name in sent else getattr(prescription, name)
    on_record = [name for name in prescription.lists_on_record if name not in sent]
    return {**lists, "lists_on_record": on_record}


def _names(changes: Mapping[str, Any], prefix: str = "") -> set[str]:
    """The dotted names of the fields an answer sent (names only: the audit trail keeps
    no patient details)."""
    names: set[str] = set()
    for name, value in changes.items():
        dotted = f"{prefix}.{name}" if prefix else str(name)
        if isinstance(value, Mapping) and value:
            names |= _names(value, dotted)
        else:
            names.add(dotted)
    return names
