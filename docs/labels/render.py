"""Render the label and receipt stocks to PNG from demo facts, for the documentation.

Run from the checkout: `.venv/bin/python docs/labels/render.py` (needs `pdftoppm`, from
poppler-utils). Writes the PDFs and PNGs next to this file. The facts are made up.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from pharmacy.domain.labeling import (  # noqa: E402
    LabelFacts,
    PharmacyDetails,
    ReceiptFacts,
    ReceiptLine,
)
from pharmacy.domain.prescription import DirectionStep, DosageForm  # noqa: E402
from pharmacy.labels import render_labels, render_receipt  # noqa: E402

PHARMACY = PharmacyDetails(
    "Demo Compounding Pharmacy", "100 High St, Columbus, OH 43215", "614-555-0123"
)
FILLED = date(2026, 11, 21)
CAPSULE_STORAGE = "Store at room temperature, 20-25 °C, in a dry place."
LIQUID_STORAGE = "Store at room temperature or in the refrigerator. Shake well."


def step(dose: str, days: int) -> DirectionStep:
    return DirectionStep(Decimal(dose), days)


ADA = LabelFacts(
    rx_number="1000123",
    patient_name="Ada Lovelace",
    dosage_form=DosageForm.CAPSULE,
    strength_mg=Decimal("1.5"),
    steps=(step("1.5", 30),),
    quantity=Decimal(30),
    refills_left=2,
    filled_on=FILLED,
    use_by=date(2027, 5, 19),
    storage=CAPSULE_STORAGE,
    prescriber_name="Dr. Grace Hopper",
    pharmacist_initials="MC",
    pharmacy=PHARMACY,
)
JOSE = LabelFacts(
    rx_number="1000124",
    patient_name="José Núñez",
    dosage_form=DosageForm.CAPSULE,
    strength_mg=Decimal("1.5"),
    steps=(step("1.5", 14), step("3", 14), step("4.5", 14)),
    quantity=Decimal(84),
    refills_left=0,
    filled_on=FILLED,
    use_by=date(2027, 5, 19),
    storage=CAPSULE_STORAGE,
    prescriber_name="Dr. Santiago Ramón y Cajal",
    pharmacist_initials="MC",
    pharmacy=PHARMACY,
)
BRUCE = LabelFacts(
    rx_number="1000125",
    patient_name="李小龙",
    dosage_form=DosageForm.ORAL_LIQUID,
    strength_mg=Decimal(1),
    steps=(step("4.5", 30),),
    quantity=Decimal(135),
    refills_left=5,
    filled_on=FILLED,
    use_by=date(2026, 12, 25),
    storage=LIQUID_STORAGE,
    prescriber_name="Dr. Virginia Apgar",
    pharmacist_initials="MC",
    pharmacy=PHARMACY,
    auxiliary=("Shake well before each dose.",),
)
RECEIPT = ReceiptFacts(
    pharmacy=PHARMACY,
    patient_name="Ada Lovelace",
    rx_number="1000123",
    date=FILLED,
    item="Naltrexone HCl 1.5 mg capsule, 30 capsules",
    lines=(
        ReceiptLine("Active ingredient: Naltrexone hydrochloride USP, 120 mg", Decimal("7.20")),
        ReceiptLine(
            "Filler: Microcrystalline cellulose NF (Avicel PH-102), 7125 mg", Decimal("0.71")
        ),
        ReceiptLine("Capsule shells: Capsule, hard gelatin, size #3, clear, 32", Decimal("1.92")),
        ReceiptLine("Container: Amber vial with child-resistant cap, 1", Decimal("1.00")),
        ReceiptLine("Compounding fee", Decimal("12.00")),
        ReceiptLine("Dispensing fee", Decimal("5.00")),
    ),
    total=Decimal("27.83"),
    payment="card ending 4242",
    amount_paid=Decimal("27.83"),
)


def png(pdf: bytes, folder: Path, name: str) -> Path:
    """Write the first page of `pdf` as `name`.png (150 dpi) in `folder`."""
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(  # noqa: S603
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(folder / name)],  # noqa: S607
        check=True,
    )
    path.unlink()
    return folder / f"{name}.png"


def main(folder: Path = HERE) -> list[Path]:
    sheet = render_labels([ADA, JOSE, BRUCE] * 3, "letter-sheet-2x4", guides=True)
    return [
        png(render_labels(ADA), folder, "thermal-4x2-ada"),
        png(render_labels(JOSE), folder, "thermal-4x2-jose-titration"),
        png(render_labels(BRUCE), folder, "thermal-4x2-liquid"),
        png(sheet, folder, "letter-sheet-2x4"),
        png(render_receipt(RECEIPT, "receipt-letter"), folder, "receipt-letter"),
        png(render_receipt(RECEIPT, "receipt-80mm"), folder, "receipt-80mm"),
    ]


if __name__ == "__main__":
    for made in main():
        print(made.relative_to(HERE.parents[1]))
