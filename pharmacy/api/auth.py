"""Bearer API keys: a key names one clinic, and the clinic is all the API will show.

The key is checked once, before any route runs (`require_clinic`): a route, and the
services it calls, see only the clinic's id and how the trail names it.
"""

from __future__ import annotations

from flask import current_app, g, request

from pharmacy.extensions import database
from pharmacy.services.intake.keys import KnownKeys

from .errors import ApiError

UNKNOWN_KEY = "the API key is unknown or revoked"
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="prescriber-api"'}


def require_clinic() -> None:
    """The clinic whose live key the request presents, into `g`; else 401."""
    holder = _known_keys().holder(_presented(), database.reading)
    if holder is None:
        raise ApiError(401, "unauthorized", UNKNOWN_KEY, headers=_CHALLENGE)
    g.clinic_id = holder.clinic_id
    g.actor = holder.actor


def _known_keys() -> KnownKeys:
    extensions = current_app.extensions
    if "known_api_keys" not in extensions:
        extensions["known_api_keys"] = KnownKeys(current_app.config["API_KEY_CACHE_SECONDS"])
    return extensions["known_api_keys"]


def _presented() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(
            401,
            "unauthorized",
            "send your API key as 'Authorization: Bearer <key>'",
            headers=_CHALLENGE,
        )
    return key.strip()
