"""The patient's receipt: pharmacy, patient, Rx number, date, every price line, total, payment.

Text wraps to the paper's width at the layout's sizes (a receipt does not shrink). On a
roll (`height = "auto"`) the page is as long as the receipt; on sheets a long receipt
continues on the next page, never cut off.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from label_templates import Layout, Stock, TemplateError
from pharmacy.domain.labeling import RECEIPT_FIELDS, RECEIPT_ROWS, ReceiptFacts
from pharmacy.domain.labeling import receipt_fields as fields_of
from pharmacy.domain.labeling import receipt_rows as rows_of
from pharmacy.labels.engine import Measured, Piece, Typesetter, paragraphs
from pharmacy.labels.errors import LabelDoesNotFit, UnprintableText
from pharmacy.labels.templates import resolve


def _measure(setter: Typesetter, facts: ReceiptFacts, width: float) -> list[Measured]:
    layout = setter.layout
    fields, rows = fields_of(facts), rows_of(facts)
    measured = []
    for block in layout.blocks:
        name = block.name
        unknown = [field for field in block.fields if field not in RECEIPT_FIELDS]
        if unknown or (block.kind == "rows" and block.rows not in RECEIPT_ROWS):
            raise TemplateError(f"layout {layout.name}: no receipt field {name}")
        try:
            if block.kind == "rule":
                measured.append(setter.rule(block))
            elif block.kind == "rows":
                if rows[block.rows]:
                    measured.append(setter.rows(block, rows[block.rows], block.size, width))
            elif found := paragraphs(block, fields):
                measured.append(setter.text(block, found, block.size, width))
        except UnprintableText as error:
            raise error.at(f"Rx {facts.rx_number}: the receipt's {name}") from None
        if measured and measured[-1].overflow:
            raise LabelDoesNotFit(
                f"Rx {facts.rx_number}: the receipt's {name} has a word wider than the paper"
            )
    return measured


def _flow(measured: list[Measured], gap: float) -> list[tuple[float, Piece]]:
    """Each piece with the space above it (between blocks only)."""
    flow = []
    for number, block in enumerate(measured):
        for index, piece in enumerate(block.pieces):
            space = gap + block.block.space_before if number and index == 0 else 0.0
            flow.append((space, piece))
    return flow


def render_receipt(
    facts: ReceiptFacts,
    stock: str | Stock = "receipt-letter",
    layout: str | Layout = "receipt",
    *,
    templates: Path | str | None = None,
) -> bytes:
    """A PDF receipt for `facts` on `stock` (a US-letter page or an 80 mm roll)."""
    stock, layout = resolve(stock, layout, "receipt", templates)
    setter = Typesetter(layout)
    margin = stock.margin
    width = stock.page_width - 2 * margin
    flow = _flow(_measure(setter, facts, width), layout.block_gap)
    total = sum(space + piece.height for space, piece in flow)
    page_height = stock.page_height or max(stock.min_page_height, total + 2 * margin)
    room = page_height - 2 * margin
    if any(piece.height > room for _, piece in flow):
        raise LabelDoesNotFit(f"Rx {facts.rx_number}: a receipt line is taller than the page")
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=(stock.page_width, page_height))
    canvas.setTitle(f"Receipt: Rx {facts.rx_number}")
    top = page_height - margin
    for space, piece in flow:
        if top - space - piece.height < margin - 1e-6:
            canvas.showPage()
            top, space = page_height - margin, 0.0
        top -= space
        piece.draw(canvas, margin, top, width)
        top -= piece.height
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
