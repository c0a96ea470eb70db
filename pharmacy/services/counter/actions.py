"""What the pharmacy's staff do to an order from the dashboard.

Each action is one service call in one unit of work with its audit event; an action the
role or the state does not allow (the workflow's table, `domain.workflow.ACTIONS`) is
refused and changes nothing:

- Forbidden (403): the role may not, or the pharmacist who compounded tries to verify;
- Conflict (409): the order is not in a state the action starts from (code
  `wrong_status`), or a rule of that state forbids it (`no_worksheet`: a held order
  that could not be worked cannot be overridden; `qc_failed_unexplained`: a batch that
  failed its check has no deviation note; `setting_missing` / `setting_invalid`: the
  QC tolerance settings are absent or not percentages);
- Invalid (422): a reason or a compounding entry breaks a rule; each problem names
  its field;
- NotFound (404): no such Rx number.

Compounding and verification live in `counter.compounding`; the account checks in
`counter.access`. Every name the dashboard uses is importable from here.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pharmacy.domain.beyond_use import supply_outlasts_bud
from pharmacy.domain.compounding_record import ComponentUse, CompoundingEntry
from pharmacy.models import AuditEvent, Fill, Prescription, Worksheet, in_current_fill
from pharmacy.services import Conflict
from pharmacy.services.counter.access import (
    ACTION_STATES,
    ROLE_ACTIONS,
    Action,
    Forbidden,
    Staff,
    allowed_actions,
    authorize,
    roles_for,
)
from pharmacy.services.counter.changes import (
    alert_detail,
    checked_move,
    locked,
    resolve_hard_stops,
    shown,
    write_move,
    written_reason,
)
from pharmacy.services.counter.compounding import (
    record_compounding,
    verifier_may_be_compounder,
    verify,
)
from pharmacy.services.counter.counseling import Offer, record_offer
from pharmacy.services.counter.payments import require_settled
from pharmacy.services.counter.questions import ask_prescriber
from pharmacy.services.counter.splits import SPLIT
from pharmacy.services.counter.splits import split_fill as split
from pharmacy.services.intake.clarifications import ANSWERED
from pharmacy.services.intake.refills import REQUESTED as REFILL_REQUESTED
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

__all__ = [
    "ACTION_STATES",
    "ROLE_ACTIONS",
    "Action",
    "ComponentUse",
    "CompoundingEntry",
    "Forbidden",
    "Staff",
    "allowed_actions",
    "ask_prescriber",
    "cancel",
    "dispense",
    "override",
    "record_compounding",
    "reject",
    "roles_for",
    "split",
    "verifier_may_be_compounder",
    "verify",
]


def override(
    session: Session,
    staff: Staff,
    rx_number: int,
    reason: str,
    *,
    request_id: str | None = None,
) -> Prescription:
    """A pharmacist releases a held order to be compounded, with a written reason that is
    kept on every hard-stop alert it resolves.

    An order held because it could not be worked has no worksheet, quantity, BUD or
    price, so there is nothing to compound from: it is refused (`no_worksheet`); such an
    order is rejected or cancelled, and sent again once its cause is fixed.
    """
    with unit_of_work(session):
        authorize(session, staff, Action.OVERRIDE)
        prescription = locked(session, rx_number)
        change = checked_move(prescription, Action.OVERRIDE)
        if not _has_worksheet(session, prescription):
            raise Conflict(
                "no_worksheet",
                f"Rx {prescription.rx_number} is held because it could not be worked "
                "(see its processing_failed alert): it has no worksheet, quantity, "
                "beyond-use date or price, so it cannot be released to be compounded. "
                "Reject it or cancel it; once the cause is fixed the clinic can send it again.",
            )
        written = written_reason(reason)
        resolved = resolve_hard_stops(session, prescription, "overridden", staff, written)
        write_move(session, prescription, change, staff, written)
        trail.record(
            session,
            staff.actor,
            "prescription.overridden",
            prescription_id=prescription.id,
            request_id=request_id,
            from_status=change.from_status.value,
            to_status=change.to_status.value,
            reason=written,
            **alert_detail(resolved),
        )
        return _shown(session, prescription)


def reject(
    session: Session,
    staff: Staff,
    rx_number: int,
    reason: str,
    *,
    request_id: str | None = None,
) -> Prescription:
    """A pharmacist refuses to fill an order, held or ready, with a written reason; its
    unresolved hard stops are resolved `rejected` with that reason.
    """
    with unit_of_work(session):
        authorize(session, staff, Action.REJECT)
        prescription = locked(session, rx_number)
        change = checked_move(prescription, Action.REJECT)
        written = written_reason(reason)
        resolved = resolve_hard_stops(session, prescription, "rejected", staff, written)
        write_move(session, prescription, change, staff, written)
        trail.record(
            session,
            staff.actor,
            "prescription.rejected",
            prescription_id=prescription.id,
            request_id=request_id,
            from_status=change.from_status.value,
            to_status=change.to_status.value,
            reason=written,
            **alert_detail(resolved),
        )
        return _shown(session, prescription)


def dispense(
    session: Session,
    staff: Staff,
    rx_number: int,
    *,
    today: date,
    request_id: str | None = None,
    short_supply_reason: str | None = None,
    counseling: Offer | None = None,
) -> Prescription:
    """The verified order is handed over. Who and when are in its history and audit trail.

    Only paid in full, or with payment waived by a pharmacist (409 `unpaid`,
    `counter.payments`), and with the offer to counsel answered (`counseling`: 422
    without it, `counter.counseling`), kept with the fill.

    Never after its beyond-use date: a preparation past it may have lost strength or
    grown microbes, so it is cancelled and made again instead. Nor, without a
    pharmacist's written reason (`short_supply_reason`), when the beyond-use date falls
    before the end of the days supply counted from today: the patient would take
    doses past it (domain §10); split the fill instead, or the pharmacist records why
    it is right to hand it over."""
    with unit_of_work(session):
        authorize(session, staff, Action.DISPENSE)
        prescription = locked(session, rx_number)
        change = checked_move(prescription, Action.DISPENSE)
        if not _label_printed(session, prescription):
            raise Conflict(
                "label_not_printed",
                f"Rx {prescription.rx_number} has no printed label: print it and put it on "
                "the container before handing it over",
            )
        use_by = prescription.beyond_use_date
        if use_by is not None and today > use_by:
            raise Conflict(
                "past_beyond_use_date",
                f"Rx {prescription.rx_number} was to be used by {use_by.isoformat()}: it may "
                "not be dispensed; cancel it and make it again",
            )
        overridden = _short_supply(session, staff, prescription, today, short_supply_reason)
        require_settled(session, prescription)
        record_offer(session, staff, prescription, counseling, "dispense")
        write_move(session, prescription, change, staff)
        _handed_over(session, prescription, today)
        trail.record(
            session,
            staff.actor,
            "prescription.dispensed",
            prescription_id=prescription.id,
            request_id=request_id,
            from_status=change.from_status.value,
            to_status=change.to_status.value,
            **overridden,
        )
        return _shown(session, prescription)


def cancel(
    session: Session,
    staff: Staff,
    rx_number: int,
    reason: str,
    *,
    request_id: str | None = None,
) -> Prescription:
    """Stop an order that is not yet dispensed, rejected or cancelled, with a written
    reason. What was compounded for it stays recorded and off the shelf."""
    with unit_of_work(session):
        authorize(session, staff, Action.CANCEL)
        prescription = locked(session, rx_number)
        change = checked_move(prescription, Action.CANCEL)
        written = written_reason(reason)
        write_move(session, prescription, change, staff, written)
        trail.record(
            session,
            staff.actor,
            "prescription.cancelled",
            prescription_id=prescription.id,
            request_id=request_id,
            from_status=change.from_status.value,
            to_status=change.to_status.value,
            reason=written,
        )
        return _shown(session, prescription)


def _has_worksheet(session: Session, prescription: Prescription) -> bool:
    found = session.scalar(select(Worksheet.id).where(in_current_fill(Worksheet, prescription.id)))
    return found is not None


def _shown(session: Session, prescription: Prescription) -> Prescription:
    """The changed order as it will be committed: read after the flush, inside the unit
    of work, so what is returned is exactly what the commit at its end keeps."""
    session.flush()
    return shown(session, prescription.id)


def _label_printed(session: Session, prescription: Prescription) -> bool:
    """Whether a label of the fill in progress was printed (each print is an audit
    event): one printed for an earlier fill says another fill's number and dates.

    The fill in progress is the last one started, so its label is a print after the
    last refill request, prescriber's answer or split in the order's trail (a label printed
    before a question may show what the answer changed). The trail's order, not the clocks: a fill
    row's time is the database's (to the second on SQLite), a print's the app's."""
    last_asked = (
        select(func.coalesce(func.max(AuditEvent.id), 0))
        .where(
            AuditEvent.prescription_id == prescription.id,
            AuditEvent.action.in_((REFILL_REQUESTED, ANSWERED, SPLIT)),
        )
        .scalar_subquery()
    )
    return (
        session.scalar(
            select(AuditEvent.id)
            .where(
                AuditEvent.prescription_id == prescription.id,
                AuditEvent.action == "label.printed",
                AuditEvent.id > last_asked,
            )
            .limit(1)
        )
        is not None
    )


def _short_supply(
    session: Session, staff: Staff, prescription: Prescription, today: date, reason: object
) -> dict[str, str]:
    """Nothing, when the supply ends by the beyond-use date; else the pharmacist's
    override as the audit event records it, or a refusal."""
    use_by = prescription.beyond_use_date
    if use_by is None or not supply_outlasts_bud(today, prescription.part_days, use_by):
        return {}
    if reason is None:
        raise Conflict(
            "beyond_use_before_supply_ends",
            f"Rx {prescription.rx_number} must be used by {use_by.isoformat()}, before its "
            f"{prescription.part_days}-day supply would run out: a pharmacist dispenses it "
            "with a written reason, or cancels it to be made again and split",
        )
    if authorize(session, staff, Action.DISPENSE).role != "pharmacist":
        raise Forbidden(
            f"only a pharmacist may hand over Rx {prescription.rx_number} with a supply "
            f"that outlasts its beyond-use date {use_by.isoformat()}"
        )
    return {"short_supply_reason": written_reason(reason), "beyond_use_date": use_by.isoformat()}


def _handed_over(session: Session, prescription: Prescription, today: date) -> None:
    """The fill is dispensed today; a refill uses up one of the prescription's refills,
    at its first part when it was split (the rest of it uses none)."""
    session.execute(
        update(Fill)
        .where(Fill.prescription_id == prescription.id, Fill.number == prescription.current_fill)
        .values(dispensed_on=today)
    )
    if prescription.current_refill > 0 and prescription.fill_first_day == 0:
        prescription.refills_remaining -= 1
