"""Text as a person reads it: what matching and patient keys compare.

A clinic's text can look like one thing and be another: "oxy\u200bcodone" with a
zero-width space, a Cyrillic "о" inside "oxycodone", fullwidth letters, a combining
accent, a non-breaking space. A pharmacist reads all of them as "oxycodone", so the
screen must too. `fold` reduces a text to what it reads as: compatibility forms
(NFKD), no invisible format characters, no accents, look-alike letters of other
scripts taken as the Latin letter they imitate (Unicode's confusables, from
`confusable_homoglyphs`), case and spacing folded.

Some text cannot be read safely at all: bidirectional overrides reorder what is shown
(a label could print a name backwards from how it is stored), and a text with no
visible letter or digit says nothing. `unreadable` names such text, and intake refuses it.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Overrides, embeddings and isolates: they change the order text is shown in. The plain
# marks (LRM, RLM, ALM) only nudge neutral characters and are dropped when folding.
BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters that show nothing, which `Cf` (format characters) does not cover.
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")
_WORD = re.compile(r"[^\W\d_]+|\d+")
_VISIBLE = re.compile(r"[^\W_]")  # a letter or a digit
_OVERRIDE = re.compile("[" + "".join(sorted(BIDI_OVERRIDES)) + "]")


def _invisible(char: str) -> bool:
    return unicodedata.category(char) == "Cf" or char in INVISIBLE_LETTERS


@functools.cache
def _look_alikes() -> dict[int, str]:
    """Each non-ASCII character that imitates an ASCII letter or digit, to that
    letter: Cyrillic "о" to "o", Greek "ρ" to "p", mathematical letters and so on."""
    from confusable_homoglyphs.confusables import confusables_data

    table: dict[int, str] = {}
    for char, glyphs in confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        ascii_glyphs = [g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isalnum()]
        ascii_glyphs = [g for g in ascii_glyphs if g.isascii()]
        if ascii_glyphs:
            letters = [g for g in ascii_glyphs if g.isalpha()] or ascii_glyphs
            table[ord(char)] = letters[0].lower()
    return table


def fold(text: str) -> str:
    """`text` as it reads: "OXY\u200bCODONE", "оxycodone" (Cyrillic о) and
    "ｏｘｙｃｏｄｏｎｅ" all fold to "oxycodone"."""
    if text.isascii():
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) and not _invisible(c))
    return " ".join(kept.translate(_look_alikes()).casefold().split())


def words(text: str) -> tuple[str, ...]:
    """The words of folded `text`: runs of letters and runs of digits, so
    "oxycodone5mg" is ("oxycodone", "5", "mg") and "Norco 10/325" is
    ("norco", "10", "325")."""
    return tuple(_WORD.findall(fold(text)))


def unreadable(text: str) -> str | None:
    """Why `text` cannot be taken as a person would read it, or None."""
    if not text.isascii():
        if _OVERRIDE.search(text):
            return "contains a bidirectional override, which changes the order text is shown in"
        text = fold(text)
    if not _VISIBLE.search(text):
        return "must contain a visible letter or digit"
    return None
