"""Letter-size records (the batch record, the recall report): paragraphs and tables that
wrap to the page and run on to the next one, never cut off.

Text is set in Helvetica as the labels are, with the labels' fallback fonts for the
characters Helvetica has not (a patient's name in any script); a character no font has
is refused (`UnprintableText`), never printed as a box.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from pharmacy.labels.fonts import Typeface

MARGIN = 0.6 * inch
WIDTH = letter[0] - 2 * MARGIN
FALLBACKS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
BOLD_FALLBACKS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


@cache
def typeface(bold: bool) -> Typeface:
    """Helvetica and its fallbacks, loaded when a record is first printed: the fallback
    fonts weigh tens of megabytes, which a process that prints none (a worker) need not
    carry."""
    return Typeface("Helvetica-Bold", BOLD_FALLBACKS) if bold else Typeface("Helvetica", FALLBACKS)


BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=9, leading=11.5)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10)
HEADING = ParagraphStyle(
    "heading", parent=BODY, fontName="Helvetica-Bold", fontSize=11, leading=14, spaceBefore=8
)
TITLE = ParagraphStyle("title", parent=BODY, fontName="Helvetica-Bold", fontSize=15, leading=19)
GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
)
FACTS = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
    ]
)


def markup(text: object, bold: bool = False) -> str:
    """Text as Paragraph markup, each run in a font that has its characters."""
    face = typeface(bold)
    return "".join(
        f'<font name="{font}">{escape(run)}</font>' for font, run in face.runs(str(text))
    )


def para(text: object, style: ParagraphStyle = BODY, *, bold: bool = False) -> Paragraph:
    return Paragraph(markup(text, bold), style)


def heading(text: str) -> Paragraph:
    return para(text, HEADING, bold=True)


def facts(rows: Sequence[tuple[str, object]]) -> Table:
    """Label: value lines, the value wrapping in its column."""
    table = Table(
        [[para(label, bold=True), para(value)] for label, value in rows],
        colWidths=[1.6 * inch, WIDTH - 1.6 * inch],
    )
    table.setStyle(FACTS)
    return table


def grid(header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float]):
    """A table with a header row repeated on each page; every cell wraps."""
    scale = WIDTH / sum(widths)
    data = [[para(cell, SMALL, bold=True) for cell in header]]
    data += [[para(cell, SMALL) for cell in row] for row in rows]
    table = Table(data, colWidths=[w * scale for w in widths], repeatRows=1)
    table.setStyle(GRID)
    return table


def gap(points: float = 6) -> Spacer:
    return Spacer(1, points)


def document(title: str, footer: str, story: list) -> bytes:
    """The story on letter pages, each with the title and page number at its foot."""
    buffer = BytesIO()

    def foot(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(MARGIN, MARGIN / 2, footer)
        canvas.drawRightString(letter[0] - MARGIN, MARGIN / 2, f"page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=letter,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
    )
    doc.build(story, onFirstPage=foot, onLaterPages=foot)
    return buffer.getvalue()
