"""What staff write into the record: reasons for an override, rejection or cancellation,
and deviation notes on a compounding record.

They are kept for years and read by inspectors, so a reason must say something
(at least `REASON_MIN_CHARS` characters, some of them letters), and no text may carry
control characters: a terminal escape or a bidirectional override in the audit trail
could make it read differently from what was stored. Newlines and tabs are allowed:
a text area sends them.
"""

from __future__ import annotations

import unicodedata

REASON_MIN_CHARS = 10
REASON_MAX_CHARS = 1000
NOTE_MAX_CHARS = 4000

ALLOWED_CONTROLS = frozenset("\n\t")
# Invisible characters that reorder or hide the text around them.
BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def tidy(text: str) -> str:
    """The text as stored: line ends made `\\n`, outer blanks removed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _character_problem(text: str) -> str | None:
    for character in text:
        if character in ALLOWED_CONTROLS:
            continue
        if unicodedata.category(character) == "Cc" or character in BIDI_CONTROLS:
            return f"must not contain control characters (found U+{ord(character):04X})"
    return None


def reason_problem(reason: object) -> str | None:
    """Why `reason` is not an acceptable written reason, or None."""
    if not isinstance(reason, str) or not tidy(reason):
        return "a written reason is required"
    text = tidy(reason)
    if len(text) < REASON_MIN_CHARS or not any(c.isalpha() for c in text):
        return f"write the reason out: at least {REASON_MIN_CHARS} characters"
    if len(text) > REASON_MAX_CHARS:
        return f"must be at most {REASON_MAX_CHARS} characters"
    return _character_problem(text)


def note_problem(note: object) -> str | None:
    """Why `note` (optional free text, such as deviations) cannot be kept, or None."""
    if not isinstance(note, str):
        return "must be text"
    text = tidy(note)
    if len(text) > NOTE_MAX_CHARS:
        return f"must be at most {NOTE_MAX_CHARS} characters"
    return _character_problem(text)
