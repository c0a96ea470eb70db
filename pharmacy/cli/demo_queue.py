"""A demo pharmacy's day in progress, so the dashboard opens on a living queue.

After `demo.load_demo`: a few more orders, every order worked (as the workers would),
and some taken further by the demo staff, so each column of the queue has something:
on hold, ready, compounded, verified, dispensed. Ada Lovelace's order is left ready,
for a newcomer (and the browser tests) to take through the whole way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.cli.demo import DEMO_CLINIC, _as_sent
from pharmacy.domain import prescription as rx
from pharmacy.domain.compounding_record import CompoundingEntry, Plan
from pharmacy.domain.prescription import DosageForm
from pharmacy.domain.workflow import Status
from pharmacy.models import Clinic, Patient, Prescription, User, Worksheet, in_current_fill
from pharmacy.services import SYSTEM
from pharmacy.services import worker as work
from pharmacy.services.counter import actions as staff_actions
from pharmacy.services.counter import payments, printing, questions
from pharmacy.services.counter.actions import Staff
from pharmacy.services.counter.counseling import Offer
from pharmacy.services.intake import prescriptions

# (first, last, born, form, strength, steps, medications)
MORE_PATIENTS = [
    ("Maria", "García", date(1971, 4, 3), "capsule", "3", [("3", 30)], ["Imodium as needed"]),
    ("Wei", "Chen", date(1984, 8, 19), "capsule", "4.5", [("4.5", 30)], []),
    ("Fatima", "Khan", date(1966, 12, 1), "capsule", "1.5", [("1.5", 14), ("3", 16)], []),
    ("Olivia", "Smith", date(1992, 2, 29), "capsule", "4.5", [("4.5", 30)], ["tramadol 50 mg"]),
    ("Noah", "Johnson", date(1979, 7, 7), "oral_liquid", "1", [("3", 30)], []),
    ("Emma", "Brown", date(1988, 10, 10), "capsule", "1.5", [("1.5", 30)], []),
    ("Liam", "Wilson", date(1955, 5, 23), "capsule", "4.5", [("4.5", 30)], []),
    ("Sofia", "Rossi", date(1969, 1, 15), "capsule", "3", [("3", 30)], []),
    # 90 days of oral liquid, which keeps fewer days: held for a pharmacist to split.
    ("Aiko", "Tanaka", date(1990, 6, 12), "oral_liquid", "1", [("1.5", 90)], []),
]
QUESTION = (
    "The patient's list says she stopped tramadol last week: can you confirm the date, "
    "and that she should start at 1.5 mg?"
)
QC_WEIGHTS = (
    "224.6",
    "225.3",
    "226.0",
    "223.8",
    "225.1",
    "224.9",
    "225.7",
    "224.2",
    "225.5",
    "225.0",
)


@dataclass(frozen=True)
class DemoQueue:
    orders: int
    by_status: dict[str, int]


def stage_demo_queue(session: Session, today: date) -> DemoQueue:
    """Add, work and advance the demo orders; run once, on a new demo database. Besides
    every column of the queue, one order waits for its prescriber's answer and one 90-day
    oral liquid is held to be split at its beyond-use date."""
    clinic = session.scalar(select(Clinic).where(Clinic.name == DEMO_CLINIC))
    assert clinic is not None, "load the demo first (demo.load_demo)"
    for first, last, born, form, strength, steps, medications in MORE_PATIENTS:
        order = _order(first, last, born, form, strength, steps, medications, today)
        prescriptions.submit(
            session,
            clinic.id,
            SYSTEM,
            order,
            as_sent=_as_sent(order),
            today=today,
            render=lambda p: {"id": str(p.uid)},
        )
    for rx_number in session.scalars(
        select(Prescription.id)
        .where(Prescription.status == Status.RECEIVED)
        .order_by(Prescription.id)
    ).all():
        work.work_prescription(session, rx_number, today=today)
    staff = {u.username: Staff.of(u) for u in session.scalars(select(User))}
    technician, pharmacist, checker = staff["tech"], staff["pharmacist"], staff["pharmacist2"]
    ready = _ready_by_last_name(session)
    # Ada Lovelace and most others stay ready; a few go further, as on a working day.
    for last in ("Núñez", "Chen", "Johnson", "Wilson"):
        if last in ready:
            compound(session, technician, ready[last], today)
    for last in ("Chen", "Johnson", "Wilson"):
        if last in ready:
            staff_actions.verify(session, pharmacist, ready[last])
    if "Wilson" in ready:
        # Labelled (by the pharmacist who verified it), paid in cash, then handed over;
        # the patient declined the offer to counsel.
        order = session.get(Prescription, ready["Wilson"])
        printing.record_print(session, pharmacist.actor, "label", [order], stock="thermal-4x2")
        cash = payments.Tender("cash", order.price_total)
        payments.take_payment(session, technician, order.id, cash, today=today)
        staff_actions.dispense(
            session, technician, ready["Wilson"], today=today, counseling=Offer("declined")
        )
    if "Brown" in ready:
        # A question to the prescriber, waiting for the clinic's answer.
        questions.ask_prescriber(session, pharmacist, ready["Brown"], QUESTION)
    if "Rossi" in ready:
        staff_actions.cancel(
            session, checker, ready["Rossi"], "Prescriber cancelled: dose changed by phone"
        )
    counts: dict[str, int] = {}
    for (status,) in session.execute(select(Prescription.status)):
        counts[status] = counts.get(status, 0) + 1
    return DemoQueue(sum(counts.values()), counts)


def compound(session: Session, technician: Staff, rx_number: int, today: date) -> None:
    """Record the batch as the worksheet planned it, with a passing capsule weight check."""
    data = session.scalar(select(Worksheet.data).where(in_current_fill(Worksheet, rx_number)))
    plan = Plan.from_worksheet(data)
    capsules = plan.dosage_form is DosageForm.CAPSULE
    fill = plan.fill_weight_mg or Decimal(0)
    weights = tuple(Decimal(w) * fill / Decimal(225) for w in QC_WEIGHTS) if capsules else ()
    entry = CompoundingEntry(
        compounded_on=today,
        components=plan.planned,
        quantity_made=plan.batch_quantity,
        capsule_weights_mg=tuple(w.quantize(Decimal("0.1")) for w in weights),
        final_volume_ml=None if capsules else plan.batch_quantity,
    )
    staff_actions.record_compounding(session, technician, rx_number, entry)


def _ready_by_last_name(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Patient.last_name, Prescription.id)
        .join(Patient, Patient.id == Prescription.patient_id)
        .where(Prescription.status == Status.READY)
        .order_by(Prescription.id)
    ).all()
    return {last: rx_number for last, rx_number in rows}


def _order(first, last, born, form, strength, steps, medications, today) -> rx.PrescriptionOrder:
    return rx.PrescriptionOrder(
        prescriber=rx.Prescriber("1234567893", "Joe", "Example", "614-555-0100"),
        patient=rx.Patient(
            first,
            last,
            born,
            "614-555-0142",
            rx.Address("22 Oak Ave", "Columbus", "OH", "43215"),
            medications=tuple(rx.MedicationInUse(m) for m in medications),
        ),
        dosage_form=rx.DosageForm(form),
        strength_mg=Decimal(strength),
        directions=rx.Directions(tuple(rx.DirectionStep(Decimal(d), n) for d, n in steps)),
        written_on=today - timedelta(days=2),
        days_supply=sum(n for _, n in steps),
        refills=3,
    )
