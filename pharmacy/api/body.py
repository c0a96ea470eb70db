"""Reading a JSON request body strictly: what is not plain JSON is refused, not guessed."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from .errors import ApiError


def _exact(number: str) -> Decimal:
    try:
        return Decimal(number)
    except InvalidOperation:  # 1e99999999999999999999: past what any arithmetic holds
        raise ValueError(f"the number {number[:24]} is out of range") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def _raw_body() -> bytes:
    """The body's bytes; over MAX_CONTENT_LENGTH raises 413. A chunked body has no
    length to check beforehand, and the server's stream stops at the limit as if the
    body ended there: it is read one byte past the limit, so a longer one is refused
    instead of taken cut."""
    if request.content_length is None and request.environ.get("wsgi.input_terminated"):
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        raw = request.environ["wsgi.input"].read(limit + 1)
        if len(raw) > limit:
            raise RequestEntityTooLarge()
        return raw
    return request.get_data(cache=True)


def read_json(*, optional: bool = False) -> Any:
    """The body as JSON, with every non-integer number as an exact Decimal."""
    raw = _raw_body()
    if not raw and optional:
        return {}
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    try:
        text = raw.decode("utf-8")
        return json.loads(
            text,
            parse_float=_exact,
            parse_constant=_refuse_constant,
            object_pairs_hook=_refuse_duplicates,
        )
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_json", "the body is not UTF-8 text") from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "the body is nested too deeply") from None
    except ValueError as error:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {error}") from None


def plain(value: Any) -> Any:
    """The parsed body with Decimals as floats, for storing it as the clinic sent it."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def exact(value: Any) -> Any:
    """A stored body (floats, as `plain` left them) with its numbers exact again, as
    `read_json` gives them, to be read by the same rules."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {key: exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [exact(item) for item in value]
    return value


def canonical(value: Any) -> bytes:
    """One byte string per meaning, so a retried body matches its first sending."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()
