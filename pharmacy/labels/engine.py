"""The layout engine: wrap a block's text to a width, measure it, draw it.

A measured block is a list of pieces, each a strip of known height that draws itself
below a given top edge: a line of text, a row of the receipt's table, a boxed warning,
a rule. Labels stack the pieces in one box (shrinking sizes until they fit, see
`label.py`); receipts flow them down pages (`receipt.py`). Lines are spaced by the
glyph boxes a PDF reader computes, so no two lines ever overlap, whatever the fonts.
Text is wrapped in reading order and each line measured and drawn as it is seen
(`bidi.visual`: a right-to-left name joined and in visual order).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from reportlab.pdfgen.canvas import Canvas

from label_templates import Block, Layout
from pharmacy.labels.bidi import visual
from pharmacy.labels.fonts import Typeface, clean

Paragraph = Sequence[str]  # the segments of one paragraph, joined by the block's separator
Draw = Callable[[Canvas, float, float, float], None]  # canvas, left, top, width
RULE_WIDTH = 0.75
HYPHENS = re.compile(r"(?<=-)")  # a word may break after a hyphen


@dataclass(frozen=True)
class Line:
    text: str
    indent: float
    width: float
    above: float  # from the baseline up to the top of the glyph boxes
    below: float  # from the baseline down
    pitch: float  # the height the line takes, leading included


@dataclass(frozen=True)
class Piece:
    height: float
    draw: Draw
    lines: int = 1


@dataclass
class Measured:
    """A block measured at one size and width."""

    block: Block
    size: float
    pieces: list[Piece] = field(default_factory=list)
    overflow: bool = False  # a line is wider than the width even broken letter by letter
    broken: bool = False  # a word is broken between letters (done only when nothing else fits)

    @property
    def height(self) -> float:
        return sum(piece.height for piece in self.pieces)

    @property
    def lines(self) -> int:
        return sum(piece.lines for piece in self.pieces)

    def draw(self, canvas: Canvas, left: float, top: float, width: float) -> float:
        """Draw every piece from `top` down; returns the bottom edge."""
        for piece in self.pieces:
            piece.draw(canvas, left, top, width)
            top -= piece.height
        return top


def paragraphs(block: Block, fields: Mapping[str, Sequence[str]]) -> list[Paragraph]:
    """What a text block prints: one field's lines each on a line of its own, or several
    fields run together as segments of one paragraph. Empty fields are left out."""
    values = [fields[name] for name in block.fields]
    if len(values) == 1:
        return [[line] for line in values[0]]
    segments = [" ".join(value) for value in values if value]
    return [segments] if segments else []


@dataclass(frozen=True)
class Wrapped:
    lines: list[str]
    broken: bool  # a word wider than the line had to be broken between letters


def wrap(paragraph: Paragraph, separator: str, fits: Callable[[str, int], bool]) -> Wrapped:
    """Greedy wrap: whole segments where they fit, else words, else at hyphens, else letters.

    `fits(text, line_number)` tells whether `text` fits on that line of the paragraph
    (continuation lines may be indented).
    """
    lines: list[str] = []
    current = ""
    broken = False

    def add(piece: str, joiner: str) -> bool:
        nonlocal current
        joined = f"{current}{joiner}{piece}" if current else piece
        if fits(joined, len(lines)):
            current = joined
            return True
        return False

    def new_line() -> None:
        nonlocal current
        if current:
            lines.append(current)
            current = ""

    for segment in paragraph:
        if add(segment, separator):
            continue
        new_line()
        for word in segment.split(" "):
            if add(word, " "):
                continue
            new_line()
            for part in HYPHENS.split(word):
                if add(part, ""):
                    continue
                new_line()
                if add(part, ""):
                    continue
                broken = True
                for char in part:
                    if not add(char, ""):
                        new_line()
                        current = char
    new_line()
    return Wrapped(lines, broken)


class Typesetter:
    """Measures blocks of a layout: its fonts, leading and box style."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        fonts = layout.fonts
        self.faces = {
            "regular": Typeface(fonts.regular, fonts.fallback_regular),
            "bold": Typeface(
                fonts.bold,
                fonts.fallback_bold,
                embolden=[font for font in fonts.fallback_bold if font in fonts.fallback_regular],
            ),
        }

    def line(self, face: Typeface, text: str, size: float, indent: float = 0.0) -> Line:
        above, below = face.extent(text, size)
        pitch = max(above + below, size * self.layout.line_height)
        return Line(text, indent, face.width(text, size), above, below, pitch)

    def lines(
        self, block: Block, paragraphs: Sequence[Paragraph], size: float, width: float
    ) -> tuple[list[Line], bool]:
        """The wrapped lines, and whether a word had to be broken between letters."""
        face = self.faces[block.font]
        result: list[Line] = []
        broken = False
        for paragraph in paragraphs:
            segments = [clean(segment) for segment in paragraph if clean(segment)]

            def fits(text: str, number: int) -> bool:
                indent = block.hanging_indent if number else 0.0
                return face.width(visual(text), size) <= width - indent

            wrapped = wrap(segments, block.separator, fits)
            broken |= wrapped.broken
            for number, text in enumerate(wrapped.lines):
                indent = block.hanging_indent if number else 0.0
                result.append(self.line(face, visual(text), size, indent))
        return result, broken

    def draw_line(
        self,
        canvas: Canvas,
        face: Typeface,
        line: Line,
        size: float,
        left: float,
        top: float,
        width: float,
        align: str,
    ) -> None:
        baseline = top - (line.pitch - line.above - line.below) / 2 - line.above
        x = left + line.indent
        if align == "center":
            x = left + (width - line.width) / 2
        elif align == "right":
            x = left + width - line.width
        face.draw(canvas, x, baseline, line.text, size)

    def text(
        self, block: Block, paragraphs: Sequence[Paragraph], size: float, width: float
    ) -> Measured:
        """Each line its own piece, or the whole block one boxed piece."""
        face = self.faces[block.font]
        inset = self.layout.box_padding + self.layout.box_line_width if block.box else 0.0
        lines, broken = self.lines(block, paragraphs, size, width - 2 * inset)
        measured = Measured(block, size, broken=broken)
        measured.overflow = any(line.width + line.indent > width - 2 * inset for line in lines)

        def draw_one(line: Line) -> Draw:
            def draw(canvas: Canvas, left: float, top: float, width: float) -> None:
                self.draw_line(canvas, face, line, size, left, top, width, block.align)

            return draw

        if not block.box:
            measured.pieces = [Piece(line.pitch, draw_one(line)) for line in lines]
            return measured
        height = sum(line.pitch for line in lines) + 2 * inset

        def draw_box(canvas: Canvas, left: float, top: float, width: float) -> None:
            stroke = self.layout.box_line_width
            canvas.setLineWidth(stroke)
            canvas.rect(
                left + stroke / 2, top - height + stroke / 2, width - stroke, height - stroke
            )
            y = top - inset
            for line in lines:
                draw_one(line)(canvas, left + inset, y, width - 2 * inset)
                y -= line.pitch

        measured.pieces = [Piece(height, draw_box, len(lines))]
        return measured

    def rows(
        self, block: Block, rows: Sequence[tuple[str, str]], size: float, width: float
    ) -> Measured:
        """A two-column table: words wrapped on the left, the amount right-aligned."""
        face = self.faces[block.font]
        measured = Measured(block, size)
        amounts = [self.line(face, visual(clean(amount)), size) for _, amount in rows]
        column = max((amount.width for amount in amounts), default=0.0)
        gap = size if column else 0.0
        for (words, _), amount in zip(rows, amounts, strict=True):
            lines, broken = self.lines(block, [[words]], size, width - column - gap)
            measured.broken |= broken
            measured.overflow |= any(
                line.width + line.indent > width - column - gap for line in lines
            )
            measured.overflow |= amount.width > width
            height = max(sum(line.pitch for line in lines), amount.pitch)

            def draw(
                canvas: Canvas,
                left: float,
                top: float,
                width: float,
                lines: list[Line] = lines,
                amount: Line = amount,
            ) -> None:
                y = top
                for line in lines:
                    self.draw_line(canvas, face, line, size, left, y, width, "left")
                    y -= line.pitch
                self.draw_line(canvas, face, amount, size, left, top, width, "right")

            measured.pieces.append(Piece(height, draw, len(lines)))
        return measured

    def rule(self, block: Block) -> Measured:
        def draw(canvas: Canvas, left: float, top: float, width: float) -> None:
            canvas.setLineWidth(RULE_WIDTH)
            y = top - block.size / 2
            canvas.line(left, y, left + width, y)

        return Measured(block, block.size, [Piece(block.size, draw, 0)])
