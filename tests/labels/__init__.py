"""Labels and receipts read back from the PDF: text, positions and the barcode.

Text comes back through pypdf, glyph boxes through pdfplumber, and the barcode through
zbar from a 300 dpi pdftoppm rendering, as a pharmacy's scanner would see the print.
ReportLab runs invariant, so the same facts always give the same bytes.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pypdf
from reportlab import rl_config

from pharmacy.domain.labeling import LabelFacts, PharmacyDetails, ReceiptFacts, ReceiptLine
from pharmacy.domain.prescription import DirectionStep, DosageForm

rl_config.invariant = 1

PHARMACY = PharmacyDetails(
    "Demo Compounding Pharmacy", "100 High St, Columbus, OH 43215", "614-555-0123"
)
FILLED = date(2026, 11, 21)
LINE_GAP = 12.0  # points: glyphs further apart on one baseline belong to different labels


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


def flat(text: str) -> str:
    """Text with every run of whitespace (a line break where a line wrapped) as one space."""
    return re.sub(r"\s+", " ", text).strip()


def squash(text: str) -> str:
    """Text without any whitespace: the same words wherever the lines were broken."""
    return re.sub(r"\s+", "", text)


def page_texts(pdf: bytes) -> list[str]:
    return [flat(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF points, origin at the page's bottom-left."""

    x0: float
    y0: float
    x1: float
    y1: float

    def contains(self, other: Box, tolerance: float = 0.01) -> bool:
        return (
            other.x0 >= self.x0 - tolerance
            and other.y0 >= self.y0 - tolerance
            and other.x1 <= self.x1 + tolerance
            and other.y1 <= self.y1 + tolerance
        )

    def overlaps(self, other: Box, tolerance: float = 0.01) -> bool:
        return (
            min(self.x1, other.x1) - max(self.x0, other.x0) > tolerance
            and min(self.y1, other.y1) - max(self.y0, other.y0) > tolerance
        )

    def grown(self, dx: float, dy: float = 0.0) -> Box:
        return Box(self.x0 - dx, self.y0 - dy, self.x1 + dx, self.y1 + dy)


@dataclass(frozen=True)
class Glyph:
    text: str
    size: float
    font: str
    box: Box


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    glyphs: list[Glyph]
    bars: list[Box]  # filled rectangles: the barcode's bars
    frames: list[Box]  # stroked rectangles: the warning's box

    def lines(self) -> list[tuple[str, list[Glyph]]]:
        """The printed lines, top to bottom: glyphs on one baseline, without a wide gap."""
        rows: dict[float, list[Glyph]] = {}
        for glyph in self.glyphs:
            rows.setdefault(round(glyph.box.y0, 1), []).append(glyph)
        found = []
        for _, row in sorted(rows.items(), key=lambda item: -item[0]):
            row.sort(key=lambda glyph: glyph.box.x0)
            start = 0
            for index in range(1, len(row) + 1):
                if index == len(row) or row[index].box.x0 - row[index - 1].box.x1 > LINE_GAP:
                    part = row[start:index]
                    found.append(("".join(glyph.text for glyph in part), part))
                    start = index
        return found


def pages(pdf: bytes) -> list[Page]:
    found = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            height = float(page.height)

            def box(item, height=height) -> Box:
                return Box(item["x0"], height - item["bottom"], item["x1"], height - item["top"])

            glyphs = [
                Glyph(char["text"], char["size"], char["fontname"], box(char))
                for char in page.chars
            ]
            bars = [box(rect) for rect in page.rects if rect["fill"] and not rect["stroke"]]
            frames = [box(rect) for rect in page.rects if rect["stroke"]]
            found.append(Page(float(page.width), height, glyphs, bars, frames))
    return found


def decode_barcodes(pdf: bytes, folder: Path) -> list[list[str]]:
    """Code 128 values zbar reads on each page of a 300 dpi rendering."""
    path = folder / "document.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "300", "-png", str(path), str(folder / "page")], check=True)
    values = []
    for image in sorted(folder.glob("page-*.png")):
        result = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Scode128.enable", str(image)],
            capture_output=True,
            text=True,
            check=False,
        )
        values.append(sorted(result.stdout.split()))
    return values
