"""Automatic refills: the pharmacy starts the next fill itself, so a patient on
`auto_refill` never runs out (api.md "Fills, refills and titration across fills").

Beat calls `start_due` every so often. A prescription is due when its last fill was
dispensed and that fill's supply runs out within the lead (`AUTO_REFILL_LEAD_DAYS`).
Each due one is started as any refill is (`intake.refills.start_refill`, via `auto`),
in a unit of work of its own, its work left in the outbox for the sweep to send.

A refill the rules refuse is skipped. Too soon only means not yet (a short days supply
reaches the lead before 75 % of its days have passed): it is started on a later run,
once it may be. Any other refusal (no refills left, expired) will not go away by
waiting, so it is written to the audit trail once per fill, with the reason, for the
pharmacist to see and for later runs to pass it by. A prescription the clinic has
renewed is not refilled: the renewing prescription carries on.

Run twice the same day, nothing new starts: a started prescription's last fill is no
longer dispensed, and a refused one is passed by.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Date, and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from pharmacy.domain.refills import TOO_SOON
from pharmacy.domain.renewals import DEFAULT_AUTO_REFILL_LEAD_DAYS, auto_refill_due_on
from pharmacy.domain.workflow import HANDED_OVER
from pharmacy.models import AuditEvent, Fill, Prescription
from pharmacy.services import SYSTEM
from pharmacy.services.intake import refills
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

SKIPPED = "prescription.auto_refill_skipped"
log = logging.getLogger("pharmacy.auto_refills")


def start_due(
    session: Session, *, today: date, lead_days: int = DEFAULT_AUTO_REFILL_LEAD_DAYS
) -> list[int]:
    """Start the next fill of every prescription on automatic refills that is due
    `today`; the Rx numbers started."""
    started = []
    for rx_number in _due(session, today, lead_days):
        if _start(session, rx_number, today, lead_days):
            started.append(rx_number)
    if started:
        log.info("automatic refills started", extra={"rx_numbers": [str(n) for n in started]})
    return started


def _due(session: Session, today: date, lead_days: int) -> list[int]:
    """The prescriptions whose next fill is due: on automatic refills, last fill
    dispensed and running out within the lead, not renewed, not passed by already."""
    renewing = aliased(Prescription)
    passed_by = exists().where(
        AuditEvent.prescription_id == Prescription.id,
        AuditEvent.action == SKIPPED,
        AuditEvent.at >= Fill.created_at,  # in this fill
    )
    return list(
        session.scalars(
            select(Prescription.id)
            .join(
                Fill,
                and_(
                    Fill.prescription_id == Prescription.id,
                    Fill.number == Prescription.current_fill,
                ),
            )
            .where(
                Prescription.auto_refill.is_(True),
                Prescription.status.in_(HANDED_OVER),
                Fill.dispensed_on.is_not(None),
                _runs_out_by(session, today + timedelta(days=lead_days)),
                ~exists().where(renewing.renews_id == Prescription.id),
                ~passed_by,
            )
            .order_by(Prescription.id)
        )
    )


def _runs_out_by(session: Session, day: date) -> ColumnElement[bool]:
    """The last fill's supply ends on or before `day`: dispensed on + its days (a part's,
    when it was split)."""
    if session.get_bind().dialect.name == "postgresql":
        return Fill.dispensed_on + Prescription.part_days <= day
    days = func.printf("+%d days", Prescription.part_days)
    return func.date(Fill.dispensed_on, days, type_=Date) <= day


def _start(session: Session, rx_number: int, today: date, lead_days: int) -> bool:
    """Start the refill of one prescription, locked, in a unit of work of its own;
    whether it started. Another run may have started or passed it by meanwhile."""
    with unit_of_work(session):
        prescription = session.scalar(
            select(Prescription)
            .where(Prescription.id == rx_number)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        fill = session.scalar(
            select(Fill).where(
                Fill.prescription_id == rx_number, Fill.number == prescription.current_fill
            )
        )
        if not _still_due(session, prescription, fill, today, lead_days):
            return False
        try:
            refills.start_refill(session, prescription, SYSTEM, via="auto", today=today)
        except refills.RefillRefused as refused:
            if refused.code != TOO_SOON:
                trail.record(
                    session,
                    SYSTEM,
                    SKIPPED,
                    prescription_id=rx_number,
                    fill=fill.number,
                    reason=refused.code,
                    message=refused.message,
                )
            return False
    return True


def _still_due(
    session: Session, prescription: Prescription, fill: Fill, today: date, lead_days: int
) -> bool:
    """The prescription as locked is still due: nothing started or passed it by since
    it was found."""
    if not prescription.auto_refill or prescription.status not in HANDED_OVER:
        return False
    if fill.dispensed_on is None:
        return False
    if auto_refill_due_on(fill.dispensed_on, prescription.part_days, lead_days) > today:
        return False
    passed_by = session.scalar(
        select(AuditEvent.id)
        .where(
            AuditEvent.prescription_id == prescription.id,
            AuditEvent.action == SKIPPED,
            AuditEvent.at >= fill.created_at,
        )
        .limit(1)
    )
    return passed_by is None
