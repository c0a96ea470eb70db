"""The Rx number as a Code 128 barcode, under its human-readable caption.

The bars keep the layout's X-dimension (10 mil: 2 dots of a 203 dpi thermal head, 3 of
a 300 dpi one) and a quiet zone of at least ten bars on each side, which is part of the
block's width, so no text can be placed in it. Bars never shrink: a label too small for
them is refused.
"""

from __future__ import annotations

from reportlab.graphics.barcode.code128 import Code128
from reportlab.pdfgen.canvas import Canvas

from label_templates import Layout
from pharmacy.labels.engine import Typesetter


class BarcodeBlock:
    """The Rx number's Code 128 symbol with its quiet zones, under a caption."""

    def __init__(self, setter: Typesetter, layout: Layout, value: str, caption: str) -> None:
        spec = layout.barcode
        assert spec is not None
        self.symbol = Code128(
            value,
            barWidth=spec.bar_width,
            barHeight=spec.bar_height,
            quiet=1,
            lquiet=spec.quiet_zone * spec.bar_width,
            rquiet=spec.quiet_zone * spec.bar_width,
            humanReadable=0,
        )
        self.face = setter.faces[spec.caption_font]
        self.caption = setter.line(self.face, caption, spec.caption_size)
        self.size = spec.caption_size
        self.setter = setter
        self.gap = spec.gap
        self.width = max(self.symbol.width, self.caption.width)
        self.height = self.caption.pitch + self.symbol.height

    def draw(self, canvas: Canvas, left: float, top: float) -> None:
        self.setter.draw_line(
            canvas, self.face, self.caption, self.size, left, top, self.width, "center"
        )
        bars_left = left + (self.width - self.symbol.width) / 2
        canvas.setFillColorRGB(0, 0, 0)
        self.symbol.drawOn(canvas, bars_left, top - self.height)
