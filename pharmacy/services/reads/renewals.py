"""Renewal requests as people are shown them: the clinic its own request's answer, the
staff the requests still waiting for the prescriber.

The staff's list shows patient names, so each listing is audited with the Rx numbers
it showed, as the work queue's is.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from pharmacy.domain.renewals import REQUESTED
from pharmacy.models import Clinic, Patient, Prescription, RenewalRequest
from pharmacy.services import Actor
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

# More than a pharmacy waits on at once; the oldest beyond it are not shown.
PENDING_SHOWN = 200


@dataclass(frozen=True)
class Renewal:
    """One prescription's renewal request as its clinic is shown it."""

    prescription_uid: uuid.UUID
    rx_number: str
    reason: str  # no_refills_left | expiring
    state: str  # requested | renewed | declined
    requested_at: datetime
    answered_at: datetime | None
    decline_reason: str | None
    renewed_by: uuid.UUID | None  # the clinic's id of the renewing prescription


def for_prescription(session: Session, rx_number: int) -> Renewal | None:
    """The renewal request of Rx `rx_number`, or None when none was made."""
    renewing = aliased(Prescription)
    row = session.execute(
        select(RenewalRequest, Prescription.uid, renewing.uid.label("renewed_by"))
        .join(Prescription, Prescription.id == RenewalRequest.prescription_id)
        .outerjoin(renewing, renewing.id == RenewalRequest.renewed_by_id)
        .where(RenewalRequest.prescription_id == rx_number)
    ).first()
    if row is None:
        return None
    request = row.RenewalRequest
    return Renewal(
        prescription_uid=row.uid,
        rx_number=str(rx_number),
        reason=request.reason,
        state=request.state,
        requested_at=request.requested_at,
        answered_at=request.answered_at,
        decline_reason=request.decline_reason,
        renewed_by=row.renewed_by,
    )


@dataclass(frozen=True)
class PendingRenewal:
    """A request the prescriber has not answered yet, as the staff's list shows it."""

    rx_number: int
    patient_first_name: str
    patient_last_name: str
    date_of_birth: date
    clinic: str
    reason: str  # no_refills_left | expiring
    requested_at: datetime


def pending(
    session: Session, *, actor: Actor, request_id: str | None = None, limit: int = PENDING_SHOWN
) -> Sequence[PendingRenewal]:
    """The requests waiting for an answer, newest first."""
    with unit_of_work(session):
        rows = session.execute(
            select(
                RenewalRequest.prescription_id,
                Patient.first_name,
                Patient.last_name,
                Patient.date_of_birth,
                Clinic.name,
                RenewalRequest.reason,
                RenewalRequest.requested_at,
            )
            .join(Prescription, Prescription.id == RenewalRequest.prescription_id)
            .join(Patient, Patient.id == Prescription.patient_id)
            .join(Clinic, Clinic.id == Prescription.clinic_id)
            .where(RenewalRequest.state == REQUESTED)
            .order_by(RenewalRequest.requested_at.desc(), RenewalRequest.id.desc())
            .limit(limit)
        ).all()
        shown = tuple(PendingRenewal(*row) for row in rows)
        if shown:
            trail.record(
                session,
                actor,
                "renewals.viewed",
                request_id=request_id,
                rx_numbers=[str(r.rx_number) for r in shown],
            )
    return shown
