"""Right-to-left text (Arabic, Hebrew names) in the order a PDF draws it.

A PDF draws glyphs left to right as given: text stored in reading (logical) order would
print an Arabic or Hebrew name backwards, and Arabic letters unjoined. Each line, once
wrapped, is reshaped (Arabic letters in their joined forms, arabic-reshaper) and put in
visual order (the Unicode bidirectional algorithm, python-bidi). Lines of left-to-right
text, nearly all of them, are returned as they are without running either.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan... and their presentation forms.
RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


@lru_cache(maxsize=4096)
def _shaped(line: str) -> str:
    from arabic_reshaper import reshape
    from bidi import get_display

    return get_display(reshape(line))


def visual(line: str) -> str:
    """One line as it is drawn: joined and in visual order if it has right-to-left text."""
    if line.isascii() or not RIGHT_TO_LEFT.search(line):
        return line
    return _shaped(line)
