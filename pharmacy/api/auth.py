"""Bearer API keys: a key names one clinic, and the clinic is all the API will show."""

from __future__ import annotations

from flask import g, request

from pharmacy.extensions import database
from pharmacy.services import Actor, api_keys

from .errors import ApiError

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="prescriber-api"'}


def require_clinic() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(
            401,
            "unauthorized",
            "send your API key as 'Authorization: Bearer <key>'",
            headers=_CHALLENGE,
        )
    with database.reading() as connection:
        holder = api_keys.clinic_for_key(connection, key.strip())
    if holder is None:
        raise ApiError(401, "unauthorized", "the API key is unknown or revoked", headers=_CHALLENGE)
    g.clinic_id = holder.clinic_id
    g.actor = Actor("clinic", str(holder.clinic_id), holder.clinic_name)
