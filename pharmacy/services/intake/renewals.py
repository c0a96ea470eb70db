"""The clinic's answers to a renewal request: a renewing prescription, or a decline.

A clinic renews by sending a new prescription that names the one it renews
(`"renews": "<id>"`, one of its own, for the same patient): `submit` checks it here,
links the two in the same unit of work, and the old one's request is marked renewed.
A clinic may renew before it is asked; nothing is asked about a renewed prescription
afterwards. A decline is recorded on the request, with the clinic's reason, and
audited; declining twice changes nothing, so a retried request is harmless.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pharmacy.domain.prescription import Problem
from pharmacy.domain.renewals import DECLINED, RENEWED, REQUESTED
from pharmacy.models import Prescription, RenewalRequest, utcnow
from pharmacy.services import Actor, Conflict, Invalid, NotFound
from pharmacy.services.reads.renewals import Renewal, for_prescription
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

RENEWED_EVENT = "prescription.renewed"
DECLINED_EVENT = "prescription.renewal_declined"


def renewed_prescription(session: Session, clinic_id: int, uid: uuid.UUID) -> Prescription:
    """The clinic's own prescription a new one says it renews; another clinic's, or
    none, is refused on the field `renews`."""
    prescription = session.scalar(
        select(Prescription).where(Prescription.uid == uid, Prescription.clinic_id == clinic_id)
    )
    if prescription is None:
        raise Invalid([Problem("renews", "is not the id of one of this clinic's prescriptions")])
    return prescription


def link(
    session: Session,
    renewal_id: int,
    renewed: Prescription,
    actor: Actor,
    *,
    request_id: str | None = None,
) -> None:
    """The new prescription `renewal_id` renews `renewed`: linked, the request (if the
    pharmacy made one) marked renewed, and audited on the renewed prescription. Called
    in the unit of work that stored the new one."""
    patient_id = session.scalar(
        select(Prescription.patient_id).where(Prescription.id == renewal_id)
    )
    if patient_id != renewed.patient_id:
        raise Invalid([Problem("renews", "is a prescription for another patient")])
    session.execute(
        update(Prescription).where(Prescription.id == renewal_id).values(renews_id=renewed.id)
    )
    session.execute(
        update(RenewalRequest)
        .where(
            RenewalRequest.prescription_id == renewed.id,
            RenewalRequest.state.in_([REQUESTED, DECLINED]),
        )
        .values(state=RENEWED, answered_at=utcnow(), renewed_by_id=renewal_id)
    )
    trail.record(
        session,
        actor,
        RENEWED_EVENT,
        prescription_id=renewed.id,
        request_id=request_id,
        renewed_by=str(renewal_id),
    )


def decline(
    session: Session,
    clinic_id: int,
    uid: uuid.UUID,
    *,
    actor: Actor,
    reason: str | None = None,
    request_id: str | None = None,
) -> Renewal:
    """The prescriber will not renew: recorded on the request, with the reason.
    Conflict when the pharmacy asked for no renewal, or it was renewed already."""
    with unit_of_work(session):
        prescription = session.scalar(
            select(Prescription).where(Prescription.uid == uid, Prescription.clinic_id == clinic_id)
        )
        if prescription is None:
            raise NotFound("no such prescription for this clinic")
        request = session.scalar(
            select(RenewalRequest)
            .where(RenewalRequest.prescription_id == prescription.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if request is None:
            raise Conflict(
                "no_renewal_requested",
                f"the pharmacy has not asked for a renewal of Rx {prescription.rx_number}",
            )
        if request.state == RENEWED:
            raise Conflict(
                "already_renewed",
                f"Rx {prescription.rx_number} was renewed already: cancel the renewing "
                "prescription instead",
            )
        if request.state == REQUESTED:
            request.state = DECLINED
            request.answered_at = utcnow()
            request.decline_reason = reason
            trail.record(
                session,
                actor,
                DECLINED_EVENT,
                prescription_id=prescription.id,
                request_id=request_id,
                reason=reason,
            )
        shown = for_prescription(session, prescription.id)
    assert shown is not None
    return shown
