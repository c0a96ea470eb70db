"""What every staff action on an order does the same way.

One action is one unit of work: lock the order, check the role and the state against
the workflow's table, make the change with its status change row and audit event
(through `records.trail`), commit. A refusal raises inside the unit of work and rolls
it back, so it changes nothing and leaves no lock behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pharmacy.domain import workflow
from pharmacy.domain.prescription import Problem
from pharmacy.domain.screening import Severity
from pharmacy.domain.workflow import Move
from pharmacy.domain.written import reason_problem, tidy
from pharmacy.models import Alert, Prescription, Setting, utcnow
from pharmacy.services import Conflict, Invalid, NotFound
from pharmacy.services.counter.access import Action, Staff
from pharmacy.services.records import trail


def locked(session: Session, rx_number: int) -> Prescription:
    """The order, locked until the transaction ends, read fresh from the database."""
    if not isinstance(rx_number, int) or isinstance(rx_number, bool):
        raise NotFound(f"{rx_number!r} is not an Rx number")
    prescription = session.scalar(
        select(Prescription)
        .where(Prescription.id == rx_number)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if prescription is None:
        raise NotFound(f"there is no Rx {rx_number}")
    return prescription


def checked_move(prescription: Prescription, action: Action) -> Move:
    """The move `action` makes to the order as the workflow has it, or Conflict
    `wrong_status` naming the state the order is in and the rule it breaks."""
    try:
        return workflow.move(prescription.status, action, rx_number=prescription.rx_number)
    except workflow.WrongState as refused:
        raise Conflict(refused.code, refused.message) from None


def write_move(
    session: Session,
    prescription: Prescription,
    change: Move,
    staff: Staff,
    reason: str | None = None,
) -> None:
    """Give the order its new status, with the status change row that records it."""
    row = trail.status_change(
        prescription.id, *change, staff.actor, reason=reason, fill=prescription.current_fill
    )
    trail.write(session, status_changes=[row])
    prescription.status = change.to_status


def invalid(problems: list[Problem]) -> Invalid:
    """Invalid whose message lists the problems (its default speaks of a prescription)."""
    error = Invalid(problems)
    error.message = "; ".join(f"{p.field}: {p.message}" for p in problems)
    error.args = (error.message,)
    return error


def written_reason(reason: object) -> str:
    """The reason as it will be stored, or Invalid naming the field `reason`."""
    problem = reason_problem(reason)
    if problem is not None:
        raise invalid([Problem("reason", problem)])
    assert isinstance(reason, str)
    return tidy(reason)


def resolve_hard_stops(
    session: Session, prescription: Prescription, resolution: str, staff: Staff, reason: str
) -> list[Alert]:
    """Mark every unresolved hard stop of the order with who resolved it, how and why."""
    alerts = session.scalars(
        select(Alert)
        .where(
            Alert.prescription_id == prescription.id,
            Alert.fill_number == prescription.current_fill,
            Alert.severity == str(Severity.HARD_STOP),
            Alert.resolution.is_(None),
        )
        .order_by(Alert.id)
        .execution_options(populate_existing=True)
    ).all()
    now = utcnow()
    for alert in alerts:
        alert.resolution = resolution
        alert.resolved_by = staff.actor.label
        alert.resolved_reason = reason
        alert.resolved_at = now
    return list(alerts)


def alert_detail(alerts: Iterable[Alert]) -> dict[str, Any]:
    """What the audit trail keeps of resolved alerts: ids and codes, not their text."""
    alerts = list(alerts)
    return {"alert_ids": [a.id for a in alerts], "alert_codes": [a.code for a in alerts]}


def setting(session: Session, key: str) -> Any:
    """A setting's current value, or KeyError when the pharmacy has none."""
    row = session.execute(select(Setting.value).where(Setting.key == key)).first()
    if row is None:
        raise KeyError(key)
    return row.value


def flag(value: Any) -> bool:
    """A yes/no setting, stored as JSON true/false (or, edited by hand, as text)."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "1"}
    return value is True


def shown(session: Session, rx_number: int) -> Prescription:
    """The order as the dashboard shows it after a change: call it after the change is
    flushed and before the commit, so what is returned is exactly what was committed."""
    prescription = session.scalar(
        select(Prescription)
        .where(Prescription.id == rx_number)
        .options(
            selectinload(Prescription.alerts),
            selectinload(Prescription.status_history),
            selectinload(Prescription.worksheet),
            selectinload(Prescription.compounding_record),
        )
        .execution_options(populate_existing=True)
    )
    assert prescription is not None
    return prescription
