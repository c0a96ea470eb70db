"""Prescribers and patients, as the clinics identify them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from pharmacy.domain.search import name_key

from .base import Base, utcnow


def _key_of(column: str):
    def default(context) -> str:
        return name_key(context.get_current_parameters()[column])

    return default


class Prescriber(Base):
    __tablename__ = "prescribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    npi: Mapped[str] = mapped_column(String(10), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(30))
    dea: Mapped[str | None] = mapped_column(String(9))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Patient(Base):
    """A clinic's patient; the same name as it reads (`search.name_key`: any case,
    accents, spacing) and birth date at the same clinic is one patient."""

    __tablename__ = "patients"
    __table_args__ = (
        Index(
            "uq_patients_clinic_name_keys_birth",
            "clinic_id",
            "last_name_key",
            "first_name_key",
            "date_of_birth",
            unique=True,
        ),
        # Prefix searches (LIKE 'nu%') use these on PostgreSQL whatever the collation.
        Index(
            "ix_patients_last_name_key",
            "last_name_key",
            postgresql_ops={"last_name_key": "text_pattern_ops"},
        ),
        Index(
            "ix_patients_first_name_key",
            "first_name_key",
            postgresql_ops={"first_name_key": "text_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date]
    phone: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    allergies: Mapped[list[str]] = mapped_column(JSON, default=list)
    medications: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The names folded for the dashboard's search (`pharmacy.domain.search.name_key`),
    # filled in from the names on insert; a patient's name never changes on its row.
    last_name_key: Mapped[str] = mapped_column(
        String(100), default=_key_of("last_name"), server_default=""
    )
    first_name_key: Mapped[str] = mapped_column(
        String(100), default=_key_of("first_name"), server_default=""
    )
