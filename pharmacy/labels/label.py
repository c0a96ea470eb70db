"""Prescription labels: one or many, on a roll or a sheet, each complete or refused.

Every label is fitted before anything is drawn: blocks start at their layout size and
shrink together, step by step, each down to its own minimum (critical text never below
11 pt). The first size at which every block fits inside the label, less its safety
margin, is printed; if none does, the label (and the batch it belongs to) is refused
with a message saying which fields are too long. A label is never cut off.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from label_templates import WARNING_MIN_SIZE, Block, Layout, Stock, TemplateError, stocks_for
from pharmacy.domain.labeling import LABEL_FIELDS, LabelFacts
from pharmacy.domain.labeling import label_fields as english_or_translated_fields
from pharmacy.labels.barcode import BarcodeBlock
from pharmacy.labels.engine import Measured, Paragraph, Typesetter, paragraphs
from pharmacy.labels.errors import LabelDoesNotFit, UnprintableText
from pharmacy.labels.i18n import translator
from pharmacy.labels.templates import resolve

DrawAt = Callable[[Canvas, float, float, float], None]  # canvas, left, top, width
GUIDE = Color(0.75, 0.75, 0.75)


def label_fields(facts: LabelFacts) -> dict[str, tuple[str, ...]]:
    """The label's fields, in the patient's language (from its catalog) and English."""
    return english_or_translated_fields(facts, translator(facts.language))


@dataclass(frozen=True)
class Item:
    """A strip of the label: a block, or the column of blocks beside the barcode."""

    height: float
    draw: DrawAt
    bottom: bool


def _contents(layout: Layout, fields: dict[str, tuple[str, ...]]) -> list[tuple[Block, list]]:
    """Each block with its paragraphs; blocks with nothing to print are left out."""
    contents: list[tuple[Block, list[Paragraph]]] = []
    for block in layout.blocks:
        if block.kind == "rows":
            raise TemplateError(f"layout {layout.name}: a label has no table rows")
        unknown = [name for name in block.fields if name not in LABEL_FIELDS]
        if unknown:
            raise TemplateError(f"layout {layout.name}: no label field {', '.join(unknown)}")
        if block.kind == "rule":
            contents.append((block, []))
        elif found := paragraphs(block, fields):
            contents.append((block, found))
    return contents


def _items(measured: Sequence[Measured], barcode: BarcodeBlock | None, gap: float) -> list[Item]:
    """Blocks in order; consecutive `beside_barcode` blocks become one column."""
    items: list[Item] = []
    index = 0
    while index < len(measured):
        block = measured[index]
        if not (block.block.beside_barcode and barcode):
            items.append(Item(block.height, block.draw, block.block.bottom))
            index += 1
            continue
        column = [block]
        while (
            index + len(column) < len(measured)
            and measured[index + len(column)].block.beside_barcode
        ):
            column.append(measured[index + len(column)])
        index += len(column)
        items.append(_beside(column, barcode, gap))
        barcode = None
    if barcode:  # no block asked to sit beside it: the barcode gets a strip of its own
        items.append(_beside([], barcode, gap))
    return items


def _beside(column: list[Measured], barcode: BarcodeBlock, gap: float) -> Item:
    text_height = sum(block.height for block in column) + gap * max(len(column) - 1, 0)

    def draw(canvas: Canvas, left: float, top: float, width: float) -> None:
        y = top
        for block in column:
            y = block.draw(canvas, left, y, width - barcode.width - barcode.gap) - gap
        barcode.draw(canvas, left + width - barcode.width, top)

    bottom = bool(column) and column[0].block.bottom
    return Item(max(text_height, barcode.height), draw, bottom)


class LabelPlan:
    """One label, fitted: draws itself into a label box of its stock."""

    def __init__(self, items: list[Item], stock: Stock, gap: float) -> None:
        self.items = items
        self.stock = stock
        self.gap = gap

    def draw(self, canvas: Canvas, x: float, y: float) -> None:
        """Draw in the label whose bottom-left corner is (x, y)."""
        margin = self.stock.margin
        left, width = x + margin, self.stock.label_width - 2 * margin
        top = y + self.stock.label_height - margin
        for item in (item for item in self.items if not item.bottom):
            item.draw(canvas, left, top, width)
            top -= item.height + self.gap
        bottom = y + margin
        for item in reversed([item for item in self.items if item.bottom]):
            item.draw(canvas, left, bottom + item.height, width)
            bottom += item.height + self.gap


def _height(items: Sequence[Item], gap: float) -> float:
    return sum(item.height for item in items) + gap * max(len(items) - 1, 0)


def _refusal(facts: LabelFacts, stock: Stock, measured: Sequence[Measured], needed: float) -> str:
    """Names the long fields (critical ones first), and what the stock would need."""
    label = f"a {stock.size_text} label ({stock.name})"
    too_wide = [block.block.name for block in measured if block.overflow]
    if too_wide:
        return (
            f"Rx {facts.rx_number}: the {' and '.join(too_wide)} has a word wider than "
            f"{label} even at the smallest size the layout allows; shorten it"
        )
    wrapped = sorted(
        (block for block in measured if block.lines > 1), key=lambda block: -block.height
    )
    long = [block for block in measured if block.lines > 1 and block.block.critical]
    long = long or wrapped[:1]  # in the layout's order: the patient name first
    what = " and ".join(
        f"the {block.block.name} ({block.lines} lines at {block.size:g} pt)" for block in long
    )
    available = stock.label_height - 2 * stock.margin
    return (
        f"Rx {facts.rx_number}: {what or 'the label'} {'do' if long else 'does'} not fit {label} "
        f"with everything else the label must carry, even at the smallest sizes the layout "
        f"allows (the opioid warning never below {WARNING_MIN_SIZE:g} pt; {needed:.0f} pt "
        f"high, {available:.0f} pt available); use a larger stock or shorten them"
    )


def plan_label(setter: Typesetter, stock: Stock, facts: LabelFacts) -> LabelPlan:
    """Fit `facts` on one label of `stock`, shrinking step by step, or refuse."""
    layout = setter.layout
    fields = label_fields(facts)
    width = stock.label_width - 2 * stock.margin
    height = stock.label_height - 2 * stock.margin
    barcode = None
    if layout.barcode is not None:
        if layout.barcode.field != "rx_number":
            raise TemplateError(f"layout {layout.name}: only the rx_number can be barcoded")
        barcode = BarcodeBlock(setter, layout, facts.rx_number, fields["rx_number"][0])
        if barcode.width > width or barcode.height > height:
            raise LabelDoesNotFit(
                f"Rx {facts.rx_number}: its barcode ({barcode.width:.0f} pt wide) does not fit "
                f"a {stock.size_text} label ({stock.name}); use a larger stock"
            )
    contents = _contents(layout, fields)
    shrink = max((block.size - block.min_size for block, _ in contents), default=0)
    steps = math.ceil(shrink / layout.shrink_step - 1e-9)
    # Words are broken between letters only when no size fits without doing so.
    for letters in (False, True):
        for step in range(steps + 1):
            measured = []
            for block, text in contents:
                size = max(block.min_size, block.size - step * layout.shrink_step)
                beside = barcode.width + barcode.gap if block.beside_barcode and barcode else 0.0
                if block.kind == "rule":
                    measured.append(setter.rule(block))
                else:
                    measured.append(setter.text(block, text, size, width - beside))
            items = _items(measured, barcode, layout.block_gap)
            needed = _height(items, layout.block_gap)
            fits = needed <= height and not any(block.overflow for block in measured)
            if fits and (letters or not any(block.broken for block in measured)):
                return LabelPlan(items, stock, layout.block_gap)
    raise LabelDoesNotFit(_refusal(facts, stock, measured, needed))


def _plan(setter: Typesetter, stock: Stock, facts: LabelFacts) -> LabelPlan:
    try:
        return plan_label(setter, stock, facts)
    except UnprintableText as error:
        field = next(
            (
                name.replace("_", " ")
                for name, lines in label_fields(facts).items()
                if any(error.char in line for line in lines)
            ),
            "a field",
        )
        raise error.at(f"Rx {facts.rx_number}: the {field}") from None


def _fitted(
    setter: Typesetter, stock: Stock, facts: LabelFacts, templates: Path | str | None
) -> LabelPlan:
    """The label planned on `stock`; refused, it names the larger stock it would fit."""
    try:
        return _plan(setter, stock, facts)
    except LabelDoesNotFit as refused:
        larger = _larger_stock_that_fits(setter, stock, facts, templates)
        if larger is None:
            raise
        raise LabelDoesNotFit(
            f"{refused}. It fits the {larger.size_text} stock ({larger.name}): print it there"
        ) from None


def _larger_stock_that_fits(
    setter: Typesetter, stock: Stock, facts: LabelFacts, templates: Path | str | None
) -> Stock | None:
    area = stock.label_width * stock.label_height
    larger = sorted(
        (s for s in stocks_for("label", templates) if s.label_width * s.label_height > area),
        key=lambda s: s.label_width * s.label_height,
    )
    for candidate in larger:
        try:
            plan_label(setter, candidate, facts)
        except (LabelDoesNotFit, UnprintableText):
            continue
        return candidate
    return None


def render_labels(
    facts: Sequence[LabelFacts] | LabelFacts,
    stock: str | Stock = "thermal-4x2",
    layout: str | Layout = "label",
    *,
    start_position: int = 0,
    guides: bool = False,
    templates: Path | str | None = None,
) -> bytes:
    """A PDF of the labels in the order given: one per page on a roll, row by row on a sheet.

    `layout` is `label`, or `label-large-print` (18 pt) on a stock that holds it.
    `start_position` skips that many labels of the first sheet (a partly used sheet);
    `guides` outlines each label in grey (for previews, never for printing). Every label
    is fitted before anything is drawn, so a batch with one label that does not fit is
    refused as a whole (`LabelDoesNotFit` names its Rx number).
    """
    batch = [facts] if isinstance(facts, LabelFacts) else list(facts)
    if not batch:
        raise ValueError("no labels to print")
    stock, layout = resolve(stock, layout, "label", templates)
    assert stock.page_height is not None
    if not 0 <= start_position < stock.per_page:
        raise ValueError(f"start_position must be between 0 and {stock.per_page - 1}")
    setter = Typesetter(layout)
    plans = [_fitted(setter, stock, label, templates) for label in batch]
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=(stock.page_width, stock.page_height))
    canvas.setTitle(f"Labels: {', '.join(label.rx_number for label in batch[:20])}")
    positions = stock.positions()
    for index, plan in enumerate(plans, start=start_position):
        slot = index % stock.per_page
        if slot == 0 and index > start_position:
            canvas.showPage()
        x, y = positions[slot]
        if guides:
            canvas.saveState()
            canvas.setStrokeColor(GUIDE)
            canvas.setLineWidth(0.5)
            canvas.rect(x, y, stock.label_width, stock.label_height)
            canvas.restoreState()
        plan.draw(canvas, x, y)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
