"""The facts of the labels and receipts the tests print: a capsule order, the usual
titrations, an oral liquid, a receipt; each with the changes a test needs, and any of
them as the label of a refill.

ReportLab runs invariant, so the same facts always give the same bytes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from reportlab import rl_config

from pharmacy.domain.labeling import LabelFacts, PharmacyDetails, ReceiptFacts, ReceiptLine
from pharmacy.domain.prescription import DirectionStep, DosageForm
from pharmacy.domain.refills import refills_left_after

rl_config.invariant = 1

PHARMACY = PharmacyDetails(
    "Demo Compounding Pharmacy", "100 High St, Columbus, OH 43215", "614-555-0123"
)
FILLED = date(2026, 11, 21)


def steps(*pairs: tuple[str, int]) -> tuple[DirectionStep, ...]:
    return tuple(DirectionStep(Decimal(dose), days) for dose, days in pairs)


def capsules(**changes) -> LabelFacts:
    facts = LabelFacts(
        rx_number="1000123",
        patient_name="Ada Lovelace",
        dosage_form=DosageForm.CAPSULE,
        strength_mg=Decimal("1.5"),
        steps=steps(("1.5", 30)),
        quantity=Decimal(30),
        refills_left=2,
        filled_on=FILLED,
        use_by=date(2027, 5, 19),
        storage="Store at room temperature, 20-25 °C, in a dry place.",
        prescriber_name="Dr. Grace Hopper",
        pharmacist_initials="MC",
        pharmacy=PHARMACY,
    )
    return replace(facts, **changes)


def titration(**changes) -> LabelFacts:
    """The usual LDN titration: 1.5 mg, then 3 mg, then 4.5 mg, two weeks each."""
    defaults = {
        "rx_number": "1000124",
        "patient_name": "José Núñez",
        "steps": steps(("1.5", 14), ("3", 14), ("4.5", 14)),
        "quantity": Decimal(84),
        "refills_left": 0,
        "prescriber_name": "Dr. Santiago Ramón y Cajal",
    }
    return capsules(**{**defaults, **changes})


def weekly_titration(**changes) -> LabelFacts:
    """Start at 0.5 mg and add 0.5 mg a week: four steps."""
    defaults = {
        "rx_number": "1000126",
        "strength_mg": Decimal("0.5"),
        "steps": steps(("0.5", 7), ("1", 7), ("1.5", 7), ("2", 9)),
        "quantity": Decimal(78),
    }
    return capsules(**{**defaults, **changes})


def eight_step_titration(**changes) -> LabelFacts:
    """Add 0.5 mg every few days up to 4 mg: more steps than a 4 x 2 in label holds."""
    defaults = {
        "rx_number": "1000127",
        "strength_mg": Decimal("0.5"),
        "steps": steps(*((str(Decimal("0.5") * n), 4) for n in range(1, 8)), ("4", 2)),
        "quantity": Decimal(128),
    }
    return capsules(**{**defaults, **changes})


def liquid(**changes) -> LabelFacts:
    defaults = {
        "rx_number": "1000125",
        "patient_name": "Bruce Lee",
        "dosage_form": DosageForm.ORAL_LIQUID,
        "strength_mg": Decimal(1),
        "steps": steps(("4.5", 30)),
        "quantity": Decimal(135),
        "use_by": date(2026, 12, 25),
        "storage": "Store at room temperature or in the refrigerator. Shake well.",
        "auxiliary": ("Shake well before each dose.",),
    }
    return capsules(**{**defaults, **changes})


def nth_fill(facts: LabelFacts, refill: int, refills: int) -> LabelFacts:
    """`facts` as the label of fill `refill` of a prescription with `refills` refills,
    with the refills left after it."""
    left = refills_left_after(refill, refills)
    return replace(facts, refill=refill, refills=refills, refills_left=left)


def receipt(**changes) -> ReceiptFacts:
    facts = ReceiptFacts(
        pharmacy=PHARMACY,
        patient_name="Ada Lovelace",
        rx_number="1000123",
        date=FILLED,
        item="Naltrexone HCl 1.5 mg capsule, 30 capsules",
        lines=(
            ReceiptLine("Active ingredient: Naltrexone hydrochloride USP, 120 mg", Decimal("7.20")),
            ReceiptLine("Filler: Microcrystalline cellulose NF, 7125 mg", Decimal("0.71")),
            ReceiptLine("Capsule shells: size #3, clear, 32", Decimal("1.92")),
            ReceiptLine("Container: Amber vial with child-resistant cap, 1", Decimal("1.00")),
            ReceiptLine("Compounding fee", Decimal("12.00")),
            ReceiptLine("Dispensing fee", Decimal("5.00")),
        ),
        total=Decimal("27.83"),
        payment="card ending 4242",
        amount_paid=Decimal("27.83"),
    )
    return replace(facts, **changes)
