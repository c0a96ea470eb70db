"""A refused administrator's form: each problem names the field to fix."""

from __future__ import annotations

from pharmacy.domain.prescription import Problem
from pharmacy.services import Invalid


def refused(*problems: tuple[str, str]) -> Invalid:
    """The refusal of a form with these (field, message) problems; its message lists
    them all, for a caller that shows one line."""
    error = Invalid([Problem(field, message) for field, message in problems])
    error.message = "; ".join(message for _, message in problems)
    error.args = (error.message,)
    return error
