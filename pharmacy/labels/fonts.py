"""Fonts that cover every name a pharmacy prints, or a refusal that says which does not.

Helvetica (the PDF standard font) has Western European letters only (WinAnsi):
"José Núñez" prints, "李小龙" does not. A `Typeface` is a main font plus the layout's
fallback TrueType files; text is drawn in runs, each run in the first font that has its
characters. A character no font has is refused, never printed as a box or a question
mark on a patient's label.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from pharmacy.labels.errors import UnprintableText

CODECS = {"WinAnsiEncoding": "cp1252", "MacRomanEncoding": "mac_roman"}
SPACES = re.compile(r"\s+")
EMBOLDEN = 0.035  # outline width per point of size, for fonts that have no bold
_registering = threading.Lock()


def clean(text: str) -> str:
    """One line of text: runs of whitespace (newlines, tabs) become one space."""
    return SPACES.sub(" ", text).strip()


@cache
def font_name(spec: str) -> str | None:
    """The registered name of a standard font or a TrueType file; None if it is absent."""
    if not spec.lower().endswith((".ttf", ".ttc")):
        if spec not in pdfmetrics.standardFonts and spec not in pdfmetrics.getRegisteredFontNames():
            raise ValueError(f"{spec!r} is neither a standard PDF font nor a .ttf file")
        return spec
    path = Path(spec)
    if not path.is_file():
        return None
    name = path.stem
    with _registering:
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))
    return name


@cache
def _has(name: str, char: str) -> bool:
    font = pdfmetrics.getFont(name)
    face = getattr(font, "face", None)
    if hasattr(face, "charToGlyph"):  # TrueType
        return ord(char) in face.charToGlyph
    codec = CODECS.get(font.encoding.name, "latin-1")
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return char.isprintable()


@cache
def _ascent_descent(name: str) -> tuple[float, float]:
    """Per point of size: how far glyphs (and a PDF reader's box of them) reach."""
    ascent, descent = pdfmetrics.getAscentDescent(name, 1000)
    # A reader boxes each glyph from the descent to the descent plus one em.
    return max(ascent, 1000 + descent) / 1000, -descent / 1000


# Fitting a batch measures the same strings over and over (each size tried, each label
# repeating the warning and the pharmacy lines): measured once, remembered.
@lru_cache(maxsize=65536)
def _runs(fonts: tuple[str, ...], text: str) -> tuple[tuple[str, str], ...]:
    main = fonts[0]
    if all(_has(main, char) for char in set(text)):
        return ((main, text),) if text else ()
    runs: list[tuple[str, str]] = []
    for char in text:
        current = runs[-1][0] if runs else None
        if current is not None and _has(current, char):
            font: str | None = current
        else:
            font = next((name for name in fonts if _has(name, char)), None)
        if font is None:
            raise UnprintableText(char, fonts)
        if font == current:
            runs[-1] = (font, runs[-1][1] + char)
        else:
            runs.append((font, char))
    return tuple(runs)


@lru_cache(maxsize=65536)
def _width_per_point(fonts: tuple[str, ...], text: str) -> float:
    return sum(pdfmetrics.stringWidth(run, font, 1) for font, run in _runs(fonts, text))


class Typeface:
    """A main font and its fallbacks, measured and drawn as runs of one font each."""

    def __init__(
        self, main: str, fallbacks: Sequence[str] = (), embolden: Sequence[str] = ()
    ) -> None:
        found = [font_name(spec) for spec in (main, *fallbacks)]
        if found[0] is None:
            raise FileNotFoundError(f"font file {main} does not exist")
        self.fonts = tuple(name for name in found if name is not None)
        self.main = self.fonts[0]
        # Fonts without a bold weight, drawn outlined as well as filled to look bold.
        self.embolden = frozenset(font_name(spec) for spec in embolden) - {None}

    def runs(self, text: str) -> tuple[tuple[str, str], ...]:
        """(font, text) runs; raises UnprintableText for a character no font has."""
        return _runs(self.fonts, text)

    def width(self, text: str, size: float) -> float:
        # Widths scale with the size, so one measurement per text serves every size the
        # fitting tries, and every label that repeats the text (warning, pharmacy).
        return _width_per_point(self.fonts, text) * size

    def extent(self, text: str, size: float) -> tuple[float, float]:
        """(above, below) the baseline, in points, for the fonts this text uses."""
        fonts = {font for font, _ in self.runs(text)} or {self.main}
        metrics = [_ascent_descent(font) for font in fonts]
        return max(up for up, _ in metrics) * size, max(down for _, down in metrics) * size

    def draw(self, canvas: Canvas, x: float, baseline: float, text: str, size: float) -> None:
        for font, run in self.runs(text):
            if font in self.embolden:
                canvas.saveState()
                canvas.setLineWidth(size * EMBOLDEN)
                text = canvas.beginText(x, baseline)
                text.setTextRenderMode(2)  # fill, then stroke the outline
                text.setFont(font, size)
                text.textOut(run)
                canvas.drawText(text)
                canvas.restoreState()
            else:
                canvas.setFont(font, size)
                canvas.drawString(x, baseline, run)
            x += pdfmetrics.stringWidth(run, font, size)
