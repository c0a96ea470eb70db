"""The clinics and their API keys, as the administrator's list shows them. A key is
shown by its prefix only: its plaintext is never stored, and its hash is not shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pharmacy.models import Clinic


@dataclass(frozen=True)
class KeyOnRecord:
    id: int
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class ClinicKeys:
    id: int
    name: str
    api_keys: tuple[KeyOnRecord, ...]  # newest first


def clinics_with_keys(session: Session) -> list[ClinicKeys]:
    clinics = session.scalars(
        select(Clinic).order_by(Clinic.name).options(selectinload(Clinic.api_keys))
    )
    return [
        ClinicKeys(
            id=clinic.id,
            name=clinic.name,
            api_keys=tuple(
                KeyOnRecord(key.id, key.prefix, key.created_at, key.revoked_at)
                for key in sorted(clinic.api_keys, key=lambda key: key.id, reverse=True)
            ),
        )
        for clinic in clinics
    ]
