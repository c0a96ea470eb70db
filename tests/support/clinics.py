"""A clinic and its API key, made as an administrator makes them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pharmacy.extensions import database
from pharmacy.services import SYSTEM
from pharmacy.services.admin import api_keys


@dataclass
class ClinicAccess:
    id: int
    name: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def make_clinic(app, name: str | None = None) -> ClinicAccess:
    with app.app_context():
        session = database.session
        clinic = api_keys.clinic_named(
            session, name or f"Clinic {uuid.uuid4().hex[:8]}", create=True
        )
        _, key = api_keys.create_api_key(session, clinic, SYSTEM)
        session.commit()
        return ClinicAccess(clinic.id, clinic.name, key)
