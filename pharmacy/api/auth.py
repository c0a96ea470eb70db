"""Bearer API keys: a key names one clinic, and the clinic is all the API will show."""

from __future__ import annotations

from flask import g, request

from pharmacy.extensions import database
from pharmacy.services.admin import api_keys
from pharmacy.services.intake.prescriptions import UNKNOWN_KEY
from pharmacy.services.intake.received_rows import PresentedKey

from .errors import ApiError

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="prescriber-api"'}


def require_clinic() -> None:
    """The clinic whose key the request presents, looked up now, into `g`."""
    key = _presented()
    with database.reading() as connection:
        holder = api_keys.clinic_for_key(connection, key)
    if holder is None:
        raise unknown_key()
    g.clinic_id = holder.clinic_id
    g.actor = holder.actor


def present_key() -> None:
    """The key the request presents, into `g`, not yet looked up: the write it asks for
    finds the clinic itself (`services.prescriptions.submit`). A request refused
    before that write has its key checked first (`key_refusal`), so a caller with a
    bad key hears nothing but 401, as from every other route."""
    key = _presented()
    if not api_keys.well_formed(key):
        raise unknown_key()
    g.presented_key = PresentedKey(api_keys.hash_key(key))


def key_refusal() -> ApiError | None:
    """The 401 to answer instead of a refusal, when the key presented and not yet
    looked up turns out unknown or revoked."""
    presented = g.pop("presented_key", None)
    if presented is None:
        return None
    # On the request's own session: a refusal writes nothing, and SQLite's one writer
    # may be that very session.
    session = database.session
    session.rollback()
    holder = api_keys.clinic_for_hash(session, presented.key_hash)
    session.rollback()
    return unknown_key() if holder is None else None


def unknown_key() -> ApiError:
    return ApiError(401, "unauthorized", UNKNOWN_KEY, headers=_CHALLENGE)


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
