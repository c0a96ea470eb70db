"""Clinic API keys: random, prefixed, stored only as a SHA-256 hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from pharmacy.models import ApiKey, Clinic, utcnow
from pharmacy.services import Actor, NotFound
from pharmacy.services.records import trail

KEY_PREFIX = "ldn_"


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def clinic_named(session: Session, name: str, *, create: bool = False) -> Clinic:
    clinic = session.scalar(select(Clinic).where(Clinic.name == name))
    if clinic is None:
        if not create:
            raise NotFound(f"no clinic named {name!r}")
        clinic = Clinic(name=name)
        session.add(clinic)
        session.flush()
    return clinic


def create_api_key(session: Session, clinic: Clinic, actor: Actor) -> tuple[ApiKey, str]:
    """Make a key for `clinic`; the plaintext is returned once and never stored."""
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(clinic=clinic, prefix=plaintext[:12], key_hash=hash_key(plaintext))
    session.add(key)
    session.flush()
    trail.record(session, actor, "api_key.created", clinic_id=clinic.id, key_prefix=key.prefix)
    return key, plaintext


@dataclass(frozen=True)
class KeyHolder:
    clinic_id: int
    clinic_name: str

    @property
    def actor(self) -> Actor:
        """The clinic as the audit trail names it."""
        return Actor("clinic", str(self.clinic_id), self.clinic_name)


def well_formed(plaintext: str) -> bool:
    """Whether a presented key could be one of ours, before any look in the database."""
    return plaintext.startswith(KEY_PREFIX) and len(plaintext) <= 100


def clinic_for_key(session: Session | Connection, plaintext: str) -> KeyHolder | None:
    """The clinic a presented key belongs to, or None for an unknown or revoked key."""
    if not well_formed(plaintext):
        return None
    return clinic_for_hash(session, hash_key(plaintext))


def clinic_for_hash(session: Session | Connection, key_hash: str) -> KeyHolder | None:
    """As `clinic_for_key`, for a key already hashed. Asked on most API requests, so it
    reads the two values it needs, not a Clinic."""
    row = session.execute(_KEY_HOLDER, {"key_hash": key_hash}).first()
    return KeyHolder(row.id, row.name) if row is not None else None


# Built once: composing a statement costs more than running this one.
_clinics, _keys = Clinic.__table__, ApiKey.__table__
_KEY_HOLDER = (
    select(_clinics.c.id, _clinics.c.name)
    .join(_keys, _keys.c.clinic_id == _clinics.c.id)
    .where(_keys.c.key_hash == bindparam("key_hash"), _keys.c.revoked_at.is_(None))
)


def revoke_api_key(session: Session, prefix: str, actor: Actor) -> ApiKey:
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None:
        raise NotFound(f"no API key starts with {prefix!r}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        trail.record(session, actor, "api_key.revoked", clinic_id=key.clinic_id, key_prefix=prefix)
    return key
