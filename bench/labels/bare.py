"""The floor for bench/labels: the label's text and barcode on a bare ReportLab canvas.

One 4 x 2 in page per label, every line of `label_fields(facts)` drawn with drawString at
a fixed position in the font and size the layout starts it at, and the Rx number's Code
128 symbol with the layout's bars. No template is read, nothing is measured, wrapped or
shrunk: lines too long for the label run off its edge (the warning), and the small print
runs off its foot, which costs the same to write.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

from pharmacy.domain.labeling import LabelFacts, label_fields

PAGE = (4 * inch, 2 * inch)  # thermal-4x2.toml
MARGIN = 0.08 * inch
LEADING = 1.08  # label.toml's line_height

# As label_templates/label.toml starts each field (run.py checks they still agree).
REGULAR, BOLD = "Helvetica", "Helvetica-Bold"
STYLES = {
    "patient_name": (BOLD, 13),
    "drug": (BOLD, 12),
    "directions": (REGULAR, 12),
    "auxiliary": (BOLD, 8),
    "warning": (BOLD, 8),
    "quantity": (REGULAR, 8),  # the small print
    "refills": (REGULAR, 8),
    "filled": (REGULAR, 8),
    "use_by": (REGULAR, 8),
    "storage": (REGULAR, 8),
    "compounded": (REGULAR, 8),
    "prescriber": (REGULAR, 8),
    "pharmacist": (REGULAR, 8),
    "pharmacy_name": (REGULAR, 7),
    "pharmacy_address": (REGULAR, 7),
    "pharmacy_phone": (REGULAR, 7),
}
CAPTION = (BOLD, 8)  # the rx_number, printed above the bars
BAR_WIDTH = 0.01 * inch
BAR_HEIGHT = 0.2 * inch
QUIET_ZONE = 10  # bar widths


def render(batch: Sequence[LabelFacts]) -> bytes:
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=PAGE)
    width, height = PAGE
    for facts in batch:
        fields = label_fields(facts)
        y = height - MARGIN
        for name, (font, size) in STYLES.items():
            canvas.setFont(font, size)
            for line in fields[name]:
                y -= size * LEADING
                canvas.drawString(MARGIN, y, line)
        symbol = Code128(
            facts.rx_number,
            barWidth=BAR_WIDTH,
            barHeight=BAR_HEIGHT,
            quiet=1,
            lquiet=QUIET_ZONE * BAR_WIDTH,
            rquiet=QUIET_ZONE * BAR_WIDTH,
            humanReadable=0,
        )
        left = width - MARGIN - symbol.width
        top = height - MARGIN - CAPTION[1] * LEADING
        canvas.setFont(*CAPTION)
        canvas.drawString(left + QUIET_ZONE * BAR_WIDTH, top, fields["rx_number"][0])
        canvas.setFillColorRGB(0, 0, 0)
        symbol.drawOn(canvas, left, top - BAR_HEIGHT - 2)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
