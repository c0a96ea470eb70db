"""A patient as the pharmacy staff see them: who they are, the lists on record, and every
prescription of theirs with its fills, in one read, audited.

The dashboard is the pharmacy's, so the staff see the patients of every clinic. Reading
a patient's page is access to patient data: the read writes its audit event (the
patient's id and the Rx numbers shown, never a name) before the page is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pharmacy.domain.labeling import directions_lines
from pharmacy.domain.prescription import DirectionStep
from pharmacy.domain.refills import expires_on
from pharmacy.domain.renewals import REQUESTED
from pharmacy.models import Clinic, Patient, Prescription, RenewalRequest
from pharmacy.services import Actor, NotFound
from pharmacy.services.reads.fills import FillShown, fill_shown
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work


@dataclass(frozen=True)
class PatientPrescription:
    rx_number: int
    written_on: date
    dosage_form: str
    strength_mg: Decimal
    directions: tuple[str, ...]  # as the label prints them
    refills: int
    refills_remaining: int
    expires_on: date
    status: str  # of the fill in progress
    renewal_requested: bool
    fills: tuple[FillShown, ...]  # in the order made


@dataclass(frozen=True)
class PatientPage:
    id: int
    first_name: str
    last_name: str
    date_of_birth: date
    phone: str | None
    clinic: str
    allergies: tuple[str, ...]
    medications: tuple[str, ...]
    conditions: tuple[str, ...]
    prescriptions: tuple[PatientPrescription, ...]  # newest first

    @property
    def renewal_requested(self) -> bool:
        """Some prescription of theirs waits for the prescriber's answer to a renewal."""
        return any(p.renewal_requested for p in self.prescriptions)


def view_patient(
    session: Session, patient_id: int, *, actor: Actor, request_id: str | None = None
) -> PatientPage:
    """Patient `patient_id` and all their prescriptions; NotFound for an unknown id."""
    row = session.execute(
        select(Patient, Clinic.name)
        .join(Clinic, Clinic.id == Patient.clinic_id)
        .where(Patient.id == patient_id)
    ).first()
    if row is None:
        raise NotFound(f"there is no patient {patient_id}")
    patient, clinic = row
    prescriptions = session.scalars(
        select(Prescription)
        .where(Prescription.patient_id == patient_id)
        .order_by(Prescription.id.desc())
        .options(
            selectinload(Prescription.steps),
            selectinload(Prescription.fills),
            selectinload(Prescription.shipments),
        )
    ).all()
    asked = set(
        session.scalars(
            select(RenewalRequest.prescription_id).where(
                RenewalRequest.prescription_id.in_([p.id for p in prescriptions]),
                RenewalRequest.state == REQUESTED,
            )
        )
    )
    page = PatientPage(
        id=patient.id,
        first_name=patient.first_name,
        last_name=patient.last_name,
        date_of_birth=patient.date_of_birth,
        phone=patient.phone,
        clinic=clinic,
        allergies=tuple(patient.allergies or ()),
        medications=tuple(m["name"] for m in patient.medications or ()),
        conditions=tuple(patient.conditions or ()),
        prescriptions=tuple(_prescription(p, p.id in asked) for p in prescriptions),
    )
    with unit_of_work(session):  # the read is recorded before anything is shown
        trail.record(
            session,
            actor,
            "patient.viewed",
            request_id=request_id,
            patient_id=patient_id,
            rx_numbers=[str(p.rx_number) for p in page.prescriptions],
        )
    return page


def _prescription(p: Prescription, renewal_requested: bool) -> PatientPrescription:
    steps = [DirectionStep(s.dose_mg, s.days) for s in p.steps]
    fills = tuple(fill_shown(p, fill) for fill in p.fills) or (fill_shown(p, None),)
    return PatientPrescription(
        rx_number=p.id,
        written_on=p.written_on,
        dosage_form=str(p.dosage_form),
        strength_mg=p.strength_mg,
        directions=tuple(directions_lines(p.dosage_form, p.strength_mg, steps, p.times_per_day)),
        refills=p.refills,
        refills_remaining=p.refills_remaining,
        expires_on=expires_on(p.written_on),
        status=str(p.status),
        renewal_requested=renewal_requested,
        fills=fills,
    )
