"""Every API error has one shape: {"error", "message", "details": [{"field", "message"}]}."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import jsonify
from pydantic import ValidationError

from .schemas import UNION_TAGS


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Iterable[dict[str, str]] = (),
        headers: dict[str, str] | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details)
        self.headers = headers or {}
        self.extra = extra or {}

    def response(self):
        response = jsonify(
            error=self.code, message=self.message, details=self.details, **self.extra
        )
        response.status_code = self.status
        response.headers.update(self.headers)
        return response


def field_path(location: tuple[Any, ...]) -> str:
    """('directions', 'steps', 0, 'dose_mg') -> 'directions.steps[0].dose_mg'."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in UNION_TAGS:
            continue
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this request (unknown fields are refused)",
    "int_type": "must be a whole number",
    "string_type": "must be a string",
    "model_type": "must be an object",
    "dict_type": "must be an object",
    "list_type": "must be an array",
    "literal_error": None,  # pydantic's own text lists the allowed values
}


def validation_details(error: ValidationError) -> list[dict[str, str]]:
    details = []
    for item in error.errors(include_url=False, include_input=False):
        message = _MESSAGES.get(item["type"]) or item["msg"]
        details.append({"field": field_path(item["loc"]), "message": message})
    return details
