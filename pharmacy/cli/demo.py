"""Demo data, so a newcomer sees a working pharmacy at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.domain import prescription as rx
from pharmacy.models import Clinic, Ingredient, Lot, User
from pharmacy.services import SYSTEM
from pharmacy.services.admin import api_keys, users
from pharmacy.services.intake import prescriptions
from pharmacy.services.unit_of_work import in_unit_of_work

DEMO_CLINIC = "Demo Integrative Clinic"
DEMO_USERS = [
    # (username, role, full name, password): demo only, printed by `pharmacy demo`.
    ("tech", "technician", "Terry Tech", "amber-vial-tech-2026"),
    ("pharmacist", "pharmacist", "Pat Pharmacist", "verify-every-capsule"),
    ("pharmacist2", "pharmacist", "Quinn Checker", "second-check-please"),
    ("admin", "admin", "Ada Admin", "keys-lots-and-prices"),
]


@dataclass(frozen=True)
class DemoLoad:
    api_key: str
    users: list[tuple[str, str, str, str]]


def _lots(today: date) -> list[dict]:
    year = timedelta(days=365)
    return [
        dict(
            ingredient="naltrexone_hcl",
            lot_number="NTX-24117",
            vendor="Medisca",
            expires_on=today + 2 * year,
            received_on=today - timedelta(days=30),
            form="naltrexone hydrochloride",
            molecular_weight=Decimal("377.87"),
            assay_percent=Decimal("99.20"),
            # 100 g: a month's batches, each weighing at least the balance's 120 mg.
            quantity_on_hand=Decimal("100000"),
        ),
        dict(
            ingredient="naltrexone_hcl",
            lot_number="NTX-23890",
            vendor="PCCA",
            expires_on=today + timedelta(days=120),
            received_on=today - timedelta(days=200),
            form="naltrexone hydrochloride dihydrate",
            molecular_weight=Decimal("413.90"),
            assay_percent=Decimal("98.70"),
            quantity_on_hand=Decimal("5000"),
        ),
        dict(
            ingredient="naltrexone_hcl",
            lot_number="NTX-22001",
            vendor="PCCA",
            expires_on=today - timedelta(days=10),
            received_on=today - 2 * year,
            form="naltrexone hydrochloride",
            molecular_weight=Decimal("377.87"),
            assay_percent=Decimal("99.00"),
            quantity_on_hand=Decimal("800"),
        ),
        dict(
            ingredient="mcc_ph102",
            lot_number="MCC-5521",
            vendor="Medisca",
            expires_on=today + 3 * year,
            received_on=today - timedelta(days=60),
            quantity_on_hand=Decimal("2000000"),
        ),
        dict(
            ingredient="mcc_ph102",
            lot_number="MCC-5400",
            vendor="Medisca",
            expires_on=today + year,
            received_on=today - timedelta(days=90),
            quantity_on_hand=Decimal("500000"),
            quarantined=True,
        ),
        dict(
            ingredient="capsule_3_clear",
            lot_number="CAP3-0912",
            vendor="Capsuline",
            expires_on=today + 3 * year,
            received_on=today - timedelta(days=60),
            quantity_on_hand=Decimal("10000"),
        ),
        dict(
            ingredient="oral_vehicle_preserved",
            lot_number="VEH-7781",
            vendor="PCCA",
            expires_on=today + year,
            received_on=today - timedelta(days=20),
            quantity_on_hand=Decimal("20000"),
        ),
        dict(
            ingredient="vial_cap",
            lot_number="VIAL-40DR",
            vendor="Berlin Packaging",
            expires_on=today + 5 * year,
            received_on=today - timedelta(days=20),
            quantity_on_hand=Decimal("500"),
        ),
        dict(
            ingredient="amber_bottle",
            lot_number="AMB-120",
            vendor="Berlin Packaging",
            expires_on=today + 5 * year,
            received_on=today - timedelta(days=20),
            quantity_on_hand=Decimal("200"),
        ),
    ]


def _sample_orders(today: date) -> list[rx.PrescriptionOrder]:
    prescriber = rx.Prescriber("1234567893", "Joe", "Example", "614-555-0100")
    address = rx.Address("1 Main St", "Columbus", "OH", "43212")

    def order(first, last, born, form, strength, steps, medications=(), **extra):
        return rx.PrescriptionOrder(
            prescriber=prescriber,
            patient=rx.Patient(
                first,
                last,
                born,
                "614-555-0199",
                address,
                medications=tuple(rx.MedicationInUse(m) for m in medications),
            ),
            dosage_form=rx.DosageForm(form),
            strength_mg=Decimal(strength),
            directions=rx.Directions(tuple(rx.DirectionStep(Decimal(d), n) for d, n in steps)),
            written_on=today - timedelta(days=1),
            days_supply=sum(n for _, n in steps),
            **extra,
        )

    return [
        order(
            "Ada",
            "Lovelace",
            date(1980, 1, 2),
            "capsule",
            "1.5",
            [("1.5", 30)],
            ["levothyroxine 50 mcg daily"],
            refills=2,
            diagnosis="M79.7",
        ),
        order(
            "José",
            "Núñez",
            date(1975, 6, 30),
            "capsule",
            "1.5",
            [("1.5", 10), ("3", 10), ("4.5", 10)],
            refills=1,
        ),
        order(
            "Siobhán",
            "O'Brien",
            date(1962, 3, 14),
            "capsule",
            "4.5",
            [("4.5", 30)],
            # What the screen makes of a real list: known medicines pass, a line it
            # cannot read is shown to the pharmacist as unverified.
            ["Synthroid 75 mcg PO qAM", "vitamin D3 2000 IU", "Xyzzorin 5 mg daily"],
            refills=5,
        ),
        order("李", "小龙", date(1990, 11, 27), "oral_liquid", "1", [("4.5", 30)]),
        order(
            "Carl",
            "Withers",
            date(1958, 9, 9),
            "capsule",
            "3",
            [("3", 30)],
            ["oxyCODONE 5 mg every 6 hours as needed"],
            notes="Patient reports chronic back pain.",
        ),
    ]


def load_demo(session: Session, today: date) -> DemoLoad:
    """Add the demo clinic, staff, lots and sample orders; safe to run twice."""
    clinic = api_keys.clinic_named(session, DEMO_CLINIC, create=True)
    _, key = api_keys.create_api_key(session, clinic, SYSTEM)
    for username, role, full_name, password in DEMO_USERS:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            users.create_user(session, username, role, password, SYSTEM, full_name=full_name)
    if session.scalar(select(Lot.id).limit(1)) is None:
        add_lots(session, today)
    if not _has_orders(session, clinic):
        for order in _sample_orders(today):
            prescriptions.submit(
                session,
                clinic.id,
                SYSTEM,
                order,
                as_sent=_as_sent(order),
                today=today,
                render=lambda p: {"id": str(p.uid)},
            )
    return DemoLoad(api_key=key, users=DEMO_USERS)


@in_unit_of_work
def add_lots(session: Session, today: date) -> None:
    """The demo shelf: usable lots of everything, plus an expired and a quarantined one."""
    ingredients = {i.code: i for i in session.scalars(select(Ingredient))}
    for lot in _lots(today):
        session.add(Lot(ingredient=ingredients[lot.pop("ingredient")], **lot))


def new_api_key(session: Session) -> str:
    clinic = api_keys.clinic_named(session, DEMO_CLINIC)
    _, key = api_keys.create_api_key(session, clinic, SYSTEM)
    return key


def _has_orders(session: Session, clinic: Clinic) -> bool:
    from pharmacy.models import Prescription

    return (
        session.scalar(select(Prescription.id).where(Prescription.clinic_id == clinic.id).limit(1))
        is not None
    )


def _as_sent(order: rx.PrescriptionOrder) -> dict:
    """The JSON a clinic would have sent for `order`."""
    p, pt = order.prescriber, order.patient
    return {
        "prescriber": {
            "npi": p.npi,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "phone": p.phone,
        },
        "patient": {
            "first_name": pt.first_name,
            "last_name": pt.last_name,
            "date_of_birth": pt.date_of_birth.isoformat(),
            "phone": pt.phone,
            "address": {
                "line1": pt.address.line1,
                "city": pt.address.city,
                "state": pt.address.state,
                "postal_code": pt.address.postal_code,
            }
            if pt.address
            else None,
            "medications": [m.name for m in pt.medications or ()],
        },
        "medication": {
            "dosage_form": order.dosage_form.value,
            "strength_mg": float(order.strength_mg),
        },
        "directions": {
            "times_per_day": order.directions.times_per_day,
            "steps": [
                {"dose_mg": float(s.dose_mg), "days": s.days} for s in order.directions.steps
            ],
        },
        "days_supply": order.days_supply,
        "refills": order.refills,
        "written_on": order.written_on.isoformat(),
        "diagnosis": order.diagnosis,
        "notes": order.notes,
    }
