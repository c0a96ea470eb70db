"""The papers that go out with a first fill: the patient information sheet and the wallet
card, in the patient's language.

The sheet says what LDN is, how to take it, the opioid warning, the overdose risk after
stopping, the side effects (vivid dreams), and the dose calendar with real dates from
the fill's start; it flows onto as many letter pages as it needs. The wallet card says
"I take naltrexone" with the warning for emergency staff (in English too, when the
patient reads another language: staff read English) and the pharmacy's phone; it is
fitted on a card cut from a letter page, shrinking like a label, or refused.

Both are declarative like the labels: `label_templates/<name>.toml` files of kind
`paper` name the page, the fonts and the blocks (`label_templates`' own blocks, set by
the labels' engine). The English wording here is the message id of each translation
(`pharmacy/translations`).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from label_templates import (
    HERE,
    WARNING_MIN_SIZE,
    Block,
    Fonts,
    Layout,
    TemplateError,
    _block,
    _font_files,
    _Table,
)
from pharmacy.domain.labeling import (
    OPIOID_WARNING,
    LabelFacts,
    Translator,
    dose_calendar,
)
from pharmacy.labels.engine import Measured, Piece, Typesetter, paragraphs
from pharmacy.labels.errors import LabelDoesNotFit, UnprintableText
from pharmacy.labels.i18n import dates_text, translator

SHEET, CARD = "information-sheet", "wallet-card"
CUT_DASH = (4, 3)
# Fields kept on a page with the block after them: a heading never ends a page.
HEADINGS = ("_heading", "title")


def _(message: str) -> str:
    """Marks wording for the catalog; translated where it is printed."""
    return message


WHAT = _(
    "Naltrexone blocks the body's opioid receptors. At the low doses prescribed here "
    "(0.5 to 4.5 mg a day) it is used for chronic pain, fibromyalgia and some autoimmune "
    "conditions. The pharmacy makes it for you (a compounded medicine)."
)
HOW = _(
    "Take it at the same time every day, usually at bedtime. Do not take more than "
    "prescribed. If you miss a dose, skip it and take the next one at the usual time; "
    "do not take two doses together."
)
CALENDAR = _("Start on the first day below. Each row is your dose for those days.")
OPIOIDS = _(
    "Opioids include pain medicines such as codeine, hydrocodone, oxycodone, morphine "
    "and tramadol, cough syrups with codeine, and diarrhea medicines such as loperamide. "
    "If you need surgery or emergency care, show your wallet card."
)
STOPPING = _(
    "After you stop taking naltrexone, your body is more sensitive to opioids than "
    "before. A dose you once took safely can cause an overdose, which can kill. Talk to "
    "your doctor before you take any opioid."
)
SIDE_EFFECTS = _(
    "Vivid dreams and trouble sleeping are common in the first days and usually pass. "
    "If they bother you, ask your doctor about taking your dose in the morning. "
    "Headache can also happen. Call your doctor if a side effect does not go away."
)
EMERGENCY = _(
    "FOR EMERGENCY STAFF: I take naltrexone, an opioid blocker. Opioid pain, cough or "
    "diarrhea medicines may not work and may cause sudden withdrawal."
)


def sheet_fields(facts: LabelFacts, tr: Translator) -> dict[str, tuple[str, ...]]:
    _ = tr.gettext
    pharmacy = facts.pharmacy
    return {
        "title": (_("About your medicine: Low Dose Naltrexone (LDN)"),),
        "patient_name": (_("For {name}").format(name=facts.patient_name),),
        "drug": (f"{facts.drug} · Rx {facts.rx_number}",),
        "what_heading": (_("What is LDN?"),),
        "what": (_(WHAT),),
        "how_heading": (_("How to take it"),),
        "directions": tuple(facts.directions_in(tr)),
        "how": (_(HOW),),
        "calendar_heading": (_("Your dose calendar"),),
        "calendar_intro": (_(CALENDAR),),
        "warning_heading": (_("Important: opioids"),),
        "warning": (_(OPIOID_WARNING),),
        "opioids": (_(OPIOIDS),),
        "stopping_heading": (_("After you stop taking LDN"),),
        "stopping": (_(STOPPING),),
        "side_effects_heading": (_("Side effects"),),
        "side_effects": (_(SIDE_EFFECTS),),
        "questions_heading": (_("Questions?"),),
        "questions": (
            _("Call the pharmacy: {name}, {phone}.").format(
                name=pharmacy.name, phone=pharmacy.phone
            ),
            pharmacy.address,
        ),
    }


def sheet_rows(facts: LabelFacts, tr: Translator) -> dict[str, tuple[tuple[str, str], ...]]:
    """The dose calendar: the dates of each step, from the fill's start, and its dose."""
    rows = dose_calendar(
        facts.dosage_form,
        facts.strength_mg,
        facts.steps,
        facts.filled_on,
        facts.times_per_day,
        tr,
    )
    dated = tuple((dates_text(row.start, row.end, facts.language), row.dose) for row in rows)
    return {"calendar": dated}


def card_fields(facts: LabelFacts, tr: Translator) -> dict[str, tuple[str, ...]]:
    _ = tr.gettext
    pharmacy = facts.pharmacy
    english = facts.language == "en"
    return {
        "title": (_("I take naltrexone"),),
        "patient_name": (facts.patient_name,),
        "emergency": (_(EMERGENCY),),
        "emergency_english": () if english else (EMERGENCY,),
        "pharmacy": (
            _("Pharmacy: {name}, {phone}").format(name=pharmacy.name, phone=pharmacy.phone),
        ),
        "rx_number": (
            _("Rx {rx_number} · Prescriber: {prescriber}").format(
                rx_number=facts.rx_number, prescriber=facts.prescriber_name
            ),
        ),
    }


@dataclass(frozen=True)
class Paper:
    """A `paper` template: a page, and the box its blocks are set in."""

    name: str
    layout: Layout
    page_width: float
    page_height: float
    margin: float
    # A card: its blocks shrink to fit this box (left, top from the page's top-left,
    # width, height), outlined by a dashed cut line; None: the blocks flow over pages.
    card: tuple[float, float, float, float] | None
    card_margin: float


def load_paper(name: str, directory: Path | str | None = None) -> Paper:
    folder = Path(directory) if directory is not None else HERE
    path = folder / f"{name}.toml"
    if not path.is_file():
        raise TemplateError(f"no paper named {name!r} in {folder}")
    with path.open("rb") as file:
        table = _Table(tomllib.load(file), path.name)
    if table.text("kind", choices=("paper",)) != "paper":
        raise TemplateError(f"{path.name} is not a paper")
    page, fonts = table.table("page"), table.table("fonts")
    raw = table.data.get("block") if table.has("block") else None
    if not isinstance(raw, list) or not raw:
        raise TemplateError(f"{table.where}: a paper needs at least one [[block]]")
    blocks = tuple(
        _block(_Table(item if isinstance(item, dict) else {}, f"{table.where}.block[{n}]"))
        for n, item in enumerate(raw)
    )
    critical_min = table.number("critical_min_size", 11, minimum=1)
    _check(blocks, critical_min, table.where)
    card = table.table("card", required=False)
    layout = Layout(
        name=name,
        title=table.text("title", name),
        document=table.text("document", choices=(SHEET, CARD)),
        fonts=Fonts(
            regular=fonts.text("regular"),
            bold=fonts.text("bold"),
            fallback_regular=_font_files(fonts.texts("fallback_regular", []), folder),
            fallback_bold=_font_files(fonts.texts("fallback_bold", []), folder),
        ),
        blocks=blocks,
        barcode=None,
        line_height=table.number("line_height", 1.2, minimum=1),
        block_gap=table.length("block_gap", "3pt"),
        shrink_step=table.number("shrink_step", 0.5, minimum=0.1),
        critical_min_size=critical_min,
        box_padding=table.length("box_padding", "3pt"),
        box_line_width=table.length("box_line_width", "1pt"),
    )
    paper = Paper(
        name=name,
        layout=layout,
        page_width=page.length("width"),
        page_height=page.length("height"),
        margin=page.length("margin"),
        card=(
            (card.length("left"), card.length("top"), card.length("width"), card.length("height"))
            if card.data
            else None
        ),
        card_margin=card.length("safety_margin", 0),
    )
    for done in (table, page, fonts, card):
        done.done()
    return paper


def _check(blocks: Sequence[Block], critical_min: float, where: str) -> None:
    """The labels' floors hold on the papers too: critical text, and any warning."""
    for index, block in enumerate(blocks):
        if block.min_size > block.size:
            raise TemplateError(f"{where}.block[{index}]: min_size is larger than size")
        if block.critical and block.min_size < critical_min:
            raise TemplateError(
                f"{where}.block[{index}]: critical text may not shrink below {critical_min:g} pt"
            )
        warns = any(name.startswith(("warning", "emergency")) for name in block.fields)
        if warns and block.min_size < WARNING_MIN_SIZE:
            raise TemplateError(
                f"{where}.block[{index}]: a warning may not shrink below {WARNING_MIN_SIZE:g} pt"
            )


def _measure(
    setter: Typesetter,
    fields: Mapping[str, tuple[str, ...]],
    rows: Mapping[str, tuple[tuple[str, str], ...]],
    width: float,
    step: int,
    what: str,
) -> list[Measured]:
    layout = setter.layout
    measured = []
    for block in layout.blocks:
        size = max(block.min_size, block.size - step * layout.shrink_step)
        unknown = [name for name in block.fields if name not in fields]
        if unknown or (block.kind == "rows" and block.rows not in rows):
            raise TemplateError(f"paper {layout.name}: no field {block.name}")
        try:
            if block.kind == "rule":
                measured.append(setter.rule(block))
            elif block.kind == "rows":
                if rows[block.rows]:
                    measured.append(_table(setter, block, rows[block.rows], size, width))
            elif found := paragraphs(block, fields):
                measured.append(setter.text(block, found, size, width))
        except UnprintableText as error:
            raise error.at(f"{what}: the {block.name}") from None
    return measured


def _table(
    setter: Typesetter, block: Block, rows: Sequence[tuple[str, str]], size: float, width: float
) -> Measured:
    """Dates on the left, each row's dose beside them, wrapped in its column."""
    face = setter.faces[block.font]
    lefts = [setter.line(face, left, size) for left, _ in rows]
    column = max(line.width for line in lefts) + size
    measured = Measured(block, size)
    for left, (_, right) in zip(lefts, rows, strict=True):
        lines, broken = setter.lines(block, [[right]], size, width - column)
        measured.broken |= broken
        measured.overflow |= column > width / 2
        height = max(sum(line.pitch for line in lines), left.pitch) + size * 0.3

        def draw(canvas: Canvas, x: float, top: float, w: float, left=left, lines=lines) -> None:
            setter.draw_line(canvas, face, left, size, x, top, w, "left")
            y = top
            for line in lines:
                setter.draw_line(canvas, face, line, size, x + column, y, w - column, "left")
                y -= line.pitch
            canvas.setLineWidth(0.4)
            canvas.line(x, y - size * 0.15, x + w, y - size * 0.15)

        measured.pieces.append(Piece(height, draw, len(lines)))
    return measured


def _flow(measured: list[Measured], gap: float) -> list[tuple[float, Piece, bool]]:
    """Each piece with the space above it, and whether it must stay with the next."""
    flow = []
    for number, block in enumerate(measured):
        heading = any(name.endswith(HEADINGS) for name in block.block.fields)
        for index, piece in enumerate(block.pieces):
            space = gap + block.block.space_before if number and index == 0 else 0.0
            flow.append((space, piece, heading))
    return flow


def _sheet(canvas: Canvas, paper: Paper, measured: list[Measured], what: str) -> None:
    margin, width = paper.margin, paper.page_width - 2 * paper.margin
    flow = _flow(measured, paper.layout.block_gap)
    top = paper.page_height - margin
    for index, (space, piece, keep) in enumerate(flow):
        needed = space + piece.height
        if keep and index + 1 < len(flow):
            needed += flow[index + 1][0] + flow[index + 1][1].height
        if piece.height > paper.page_height - 2 * margin:
            raise LabelDoesNotFit(f"{what}: a line is taller than the page")
        if top - needed < margin - 1e-6 and top < paper.page_height - margin:
            canvas.showPage()
            top, space = paper.page_height - margin, 0.0
        top -= space
        piece.draw(canvas, margin, top, width)
        top -= piece.height


def _card(
    canvas: Canvas,
    paper: Paper,
    setter: Typesetter,
    content: tuple[Mapping, Mapping],
    what: str,
) -> None:
    """Fit the blocks in the card, shrinking step by step; refused if they never fit."""
    assert paper.card is not None
    left, top, card_width, card_height = paper.card
    inset = paper.card_margin
    width, height = card_width - 2 * inset, card_height - 2 * inset
    layout = setter.layout
    shrink = max((block.size - block.min_size for block in layout.blocks), default=0)
    for step in range(math.ceil(shrink / layout.shrink_step - 1e-9) + 1):
        measured = _measure(setter, *content, width, step, what)
        gaps = layout.block_gap * max(len(measured) - 1, 0)
        needed = sum(block.height for block in measured) + gaps
        overflow = any(block.overflow or block.broken for block in measured)
        if needed <= height and not overflow:
            break
    else:
        raise LabelDoesNotFit(
            f"{what}: the wallet card does not fit its {card_width / 72:g} × "
            f"{card_height / 72:g} in card even at the smallest sizes its layout allows"
        )
    y = paper.page_height - top
    canvas.saveState()
    canvas.setDash(*CUT_DASH)
    canvas.setLineWidth(0.5)
    canvas.roundRect(left, y - card_height, card_width, card_height, 8)
    canvas.restoreState()
    y -= inset
    for block in measured:
        y = block.draw(canvas, left + inset, y, width) - layout.block_gap


def _render(paper_name: str, facts: LabelFacts, canvas: Canvas, templates) -> None:
    paper = load_paper(paper_name, templates)
    tr = translator(facts.language)
    setter = Typesetter(paper.layout)
    what = f"Rx {facts.rx_number}"
    if paper.card is None:
        content = (sheet_fields(facts, tr), sheet_rows(facts, tr))
        width = paper.page_width - 2 * paper.margin
        measured = _measure(setter, *content, width, 0, what)
        if any(block.overflow for block in measured):
            raise LabelDoesNotFit(f"{what}: the information sheet has a word wider than the page")
        _sheet(canvas, paper, measured, what)
    else:
        _card(canvas, paper, setter, (card_fields(facts, tr), {}), what)
    canvas.showPage()


def render_patient_papers(
    facts: LabelFacts,
    papers: Sequence[str] = (SHEET, CARD),
    *,
    templates: Path | str | None = None,
) -> bytes:
    """One PDF: the information sheet's pages, then the page with the wallet card."""
    if not papers:
        raise ValueError("no papers to print")
    buffer = BytesIO()
    first = load_paper(papers[0], templates)
    canvas = Canvas(buffer, pagesize=(first.page_width, first.page_height))
    canvas.setTitle(f"Patient papers: Rx {facts.rx_number}")
    for name in papers:
        paper = load_paper(name, templates)
        canvas.setPageSize((paper.page_width, paper.page_height))
        _render(name, facts, canvas, templates)
    canvas.save()
    return buffer.getvalue()
