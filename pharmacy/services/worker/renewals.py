"""Asking prescribers to renew: beat calls `request_due` with the automatic refills.

A prescription needs the prescriber's renewal once its last refill is dispensed (no
refills left) or when it expires within the lead (`RENEWAL_LEAD_DAYS`). The pharmacy
asks once per prescription: a renewal request row, and the audit event
`prescription.renewal_requested` (which the clinic's webhooks will carry). One the
clinic has renewed already, or that was stopped, is not asked about; nor is one
already expired: the clinic sends a new prescription when its patient needs one.

The clinic answers through the API (`intake.renewals`): a prescription that `renews`
this one, or a decline.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from pharmacy.domain.renewals import DEFAULT_RENEWAL_LEAD_DAYS, renewal_reason
from pharmacy.domain.workflow import HANDED_OVER, Status
from pharmacy.models import Prescription, RenewalRequest
from pharmacy.services import SYSTEM
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

REQUESTED = "prescription.renewal_requested"
# A year is 365 or 366 days: the database narrows by days with a margin, and the rule
# (`renewal_reason`) decides by the calendar.
_YEAR_AT_MOST = timedelta(days=367)
_YEAR_AT_LEAST = timedelta(days=364)
log = logging.getLogger("pharmacy.renewals")


def request_due(
    session: Session, *, today: date, lead_days: int = DEFAULT_RENEWAL_LEAD_DAYS
) -> list[int]:
    """Ask for the renewal of every prescription that needs one `today` and was not
    asked about yet, each in a unit of work of its own; the Rx numbers asked about."""
    asked = []
    for rx_number in _candidates(session, today, lead_days):
        if _request(session, rx_number, today, lead_days):
            asked.append(rx_number)
    if asked:
        log.info("renewals requested", extra={"rx_numbers": [str(n) for n in asked]})
    return asked


def _candidates(session: Session, today: date, lead_days: int) -> list[int]:
    """Prescriptions not yet asked about nor renewed, still in force, that have no
    refills left or were written about a year before the lead's end."""
    renewing = aliased(Prescription)
    stopped = and_(
        Prescription.current_refill == 0,
        Prescription.status.in_([Status.CANCELLED, Status.REJECTED]),
    )
    return list(
        session.scalars(
            select(Prescription.id)
            .where(
                ~exists().where(RenewalRequest.prescription_id == Prescription.id),
                ~exists().where(renewing.renews_id == Prescription.id),
                ~stopped,
                Prescription.status != Status.REJECTED,
                Prescription.written_on >= today - _YEAR_AT_MOST,
                or_(
                    and_(
                        Prescription.status.in_(HANDED_OVER),
                        Prescription.refills_remaining <= 0,
                    ),
                    Prescription.written_on <= today + timedelta(days=lead_days) - _YEAR_AT_LEAST,
                ),
            )
            .order_by(Prescription.id)
        )
    )


def _request(session: Session, rx_number: int, today: date, lead_days: int) -> bool:
    with unit_of_work(session):
        prescription = session.scalar(
            select(Prescription)
            .where(Prescription.id == rx_number)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        status = Status(prescription.status)
        reason = renewal_reason(
            active=status is not Status.REJECTED
            and not (prescription.current_refill == 0 and status is Status.CANCELLED),
            last_fill_dispensed=status in HANDED_OVER,
            refills_remaining=prescription.refills_remaining,
            written_on=prescription.written_on,
            today=today,
            lead_days=lead_days,
        )
        if reason is None or _asked_or_renewed(session, rx_number):
            return False
        session.add(RenewalRequest(prescription_id=rx_number, reason=reason))
        trail.record(session, SYSTEM, REQUESTED, prescription_id=rx_number, reason=reason)
    return True


def _asked_or_renewed(session: Session, rx_number: int) -> bool:
    """Asked about, or renewed, since the candidates were read (another run, the clinic)."""
    asked = select(RenewalRequest.id).where(RenewalRequest.prescription_id == rx_number)
    renewed = select(Prescription.id).where(Prescription.renews_id == rx_number)
    return session.scalar(asked.union_all(renewed).limit(1)) is not None
