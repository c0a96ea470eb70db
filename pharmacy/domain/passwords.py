"""What a staff password must be: long enough, not too long to check, and not guessable.

Guessability is zxcvbn's estimate (dictionaries of common passwords, names and words,
keyboard patterns, dates, repeats, l33t), given the account's own username and name,
which a password must not lean on. Score 3 is "safely unguessable: moderate protection
from an offline attack" (under 10^10 guesses is 2 or less).
"""

from __future__ import annotations

from collections.abc import Sequence

MIN_CHARS = 10
# The same cap at creation and at login: a longer text is refused before it is hashed
# (a slow hash of a megabyte is a denial of service), and zxcvbn is slow on long input.
MAX_CHARS = 128
MIN_SCORE = 3


def password_problem(password: str, *, personal: Sequence[str] = ()) -> str | None:
    """Why `password` is refused, in words for the person choosing it, or None."""
    if len(password) < MIN_CHARS:
        return f"the password must be at least {MIN_CHARS} characters"
    if len(password) > MAX_CHARS:
        return f"the password must be at most {MAX_CHARS} characters"
    if not password.strip():
        return "the password must not be only spaces"
    # Imported here: its dictionaries take some 15 MB, which workers never need.
    from zxcvbn import zxcvbn

    estimate = zxcvbn(password, user_inputs=[p for p in personal if p])
    if estimate["score"] < MIN_SCORE:
        feedback = estimate["feedback"]
        hint = feedback.get("warning") or "It would be guessed quickly."
        advice = " ".join(feedback.get("suggestions") or ["Use a few uncommon words."])
        return f"the password is too easy to guess. {hint} {advice}".strip()
    return None
