"""How staff find a patient by name: any case, with or without accents.

A pharmacist types "nunez" or "NÚÑEZ" for José Núñez, and "o'b" for Siobhán O'Brien.
Names are kept with a search key beside them, made once when the name is stored, so a
prefix search is an index range scan and never a function over every row.
"""

from __future__ import annotations

import unicodedata

KEY_MAX_CHARS = 100


def name_key(text: str) -> str:
    """`text` folded for searching: compatibility forms, no accents, case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())[:KEY_MAX_CHARS]


def name_terms(query: str) -> tuple[str, ...]:
    """The words of a name query, folded: "Lovelace, Ada" -> ("lovelace", "ada")."""
    return tuple(name_key(query.replace(",", " ")).split())
