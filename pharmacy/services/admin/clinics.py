"""Clinics and their API keys as an administrator manages them. A key's plaintext is
handed back once, to be shown once; only its hash is kept (`api_keys`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.models import ApiKey, Clinic
from pharmacy.services import Actor, Conflict, NotFound
from pharmacy.services.admin import api_keys
from pharmacy.services.admin.refusals import refused
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work


@dataclass(frozen=True)
class IssuedKey:
    """A key just made: the plaintext exists only here, for the page that shows it."""

    clinic_id: int
    clinic_name: str
    prefix: str
    plaintext: str


def add_clinic(session: Session, actor: Actor, name: str) -> Clinic:
    name = " ".join(name.split())
    if not name or len(name) > 200 or not name.isprintable():
        raise refused(("name", "the clinic's name: 1 to 200 printable characters"))
    with unit_of_work(session):
        if session.scalar(select(Clinic.id).where(Clinic.name == name)) is not None:
            raise Conflict("clinic_exists", f"a clinic named {name!r} already exists")
        clinic = api_keys.clinic_named(session, name, create=True)
        trail.record(session, actor, "clinic.created", clinic_id=clinic.id)
    return clinic


def issue_api_key(session: Session, actor: Actor, clinic_id: int) -> IssuedKey:
    """A new key for the clinic; the plaintext is returned once and never stored."""
    with unit_of_work(session):
        clinic = session.get(Clinic, clinic_id)
        if clinic is None:
            raise NotFound(f"there is no clinic {clinic_id}")
        key, plaintext = api_keys.create_api_key(session, clinic, actor)
        issued = IssuedKey(clinic.id, clinic.name, key.prefix, plaintext)
    return issued


def revoke_api_key(session: Session, actor: Actor, key_id: int) -> ApiKey:
    with unit_of_work(session):
        key = session.get(ApiKey, key_id)
        if key is None:
            raise NotFound(f"there is no API key {key_id}")
        if key.revoked_at is not None:
            raise Conflict("already_revoked", f"the key {key.prefix}… is already revoked")
        revoked = api_keys.revoke_api_key(session, key.prefix, actor)
    return revoked
