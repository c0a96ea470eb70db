"""Why a label is refused: printing it would cut something off or print it wrong.

Messages name the Rx number and the field, never the patient's data, so they can be
logged and shown to any staff member.
"""

from __future__ import annotations

from collections.abc import Sequence


class LabelDoesNotFit(ValueError):
    """The label cannot be printed complete on this stock; the message says what to change."""


class UnprintableText(LabelDoesNotFit):
    """A character that none of the layout's fonts can draw."""

    def __init__(self, char: str, fonts: Sequence[str], where: str = "the text") -> None:
        self.char = char
        self.fonts = tuple(fonts)
        self.where = where
        super().__init__(
            f"{where} has the character U+{ord(char):04X}, which none of the fonts "
            f"({', '.join(self.fonts)}) can print: add a font that has it to the "
            "layout's fallback fonts"
        )

    def at(self, where: str) -> UnprintableText:
        """The same refusal, saying where the character is."""
        return UnprintableText(self.char, self.fonts, where)
