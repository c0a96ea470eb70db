"""How staff find a patient by name, and how intake knows a patient again.

A pharmacist types "nunez" or "NÚÑEZ" for José Núñez, and "o'b" for Siobhán O'Brien.
Names are kept with a search key beside them, made once when the name is stored, so a
prefix search is an index range scan and never a function over every row.
"""

from __future__ import annotations

from .text import fold

KEY_MAX_CHARS = 100


def name_key(text: str) -> str:
    """`text` as it reads (`text.fold`): no accents, no invisible characters, look-alike
    letters taken for the letter they imitate, case and spacing folded. It is also how
    a clinic's patient is recognised: "Dupli CATE" and "Dupli Cate " are one person."""
    return fold(text)[:KEY_MAX_CHARS]


def name_terms(query: str) -> tuple[str, ...]:
    """The words of a name query, folded: "Lovelace, Ada" -> ("lovelace", "ada")."""
    return tuple(name_key(query.replace(",", " ")).split())
