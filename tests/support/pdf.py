"""What a printed PDF says, read back: text, glyph positions and the barcode.

Text comes back through pypdf, glyph boxes through pdfplumber, and the barcode through
zbar from a 300 dpi pdftoppm rendering, as a pharmacy's scanner would see the print.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pypdf

LINE_GAP = 12.0  # points: glyphs further apart on one baseline belong to different labels


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
