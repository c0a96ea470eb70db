"""Clinic API keys: random, prefixed, stored only as a SHA-256 hash, revocable."""

from __future__ import annotations

import secrets

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from pharmacy.models import ApiKey, Clinic, utcnow
from pharmacy.services import Actor, NotFound
from pharmacy.services.intake.keys import KEY_PREFIX, forget, hash_key
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import in_unit_of_work


def clinic_named(session: Session, name: str, *, create: bool = False) -> Clinic:
    clinic = session.scalar(select(Clinic).where(Clinic.name == name))
    if clinic is None:
        if not create:
            raise NotFound(f"no clinic named {name!r}")
        clinic = Clinic(name=name)
        session.add(clinic)
        session.flush()
    return clinic


@in_unit_of_work
def create_api_key(session: Session, clinic: Clinic, actor: Actor) -> tuple[ApiKey, str]:
    """Make a key for `clinic`; the plaintext is returned once and never stored."""
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(clinic=clinic, prefix=plaintext[:12], key_hash=hash_key(plaintext))
    session.add(key)
    session.flush()
    trail.record(session, actor, "api_key.created", clinic_id=clinic.id, key_prefix=key.prefix)
    return key, plaintext


@in_unit_of_work
def revoke_api_key(session: Session, prefix: str, actor: Actor) -> ApiKey:
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None:
        raise NotFound(f"no API key starts with {prefix!r}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        trail.record(session, actor, "api_key.revoked", clinic_id=key.clinic_id, key_prefix=prefix)
        # Forgotten now and again once committed: a request that looked the key up in
        # between (it was still live) must not leave it remembered.
        forget(key.key_hash)
        event.listen(session, "after_commit", lambda _session: forget(key.key_hash), once=True)
    return key
