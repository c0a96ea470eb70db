"""The versions of the screen's drug knowledge (see `pharmacy/drug_data/README.md`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class DrugDataVersion(Base):
    """One version of the drug data: an RxNorm value set file and a terms file, both
    kept whole, so any order's screening can be read again with what it was screened
    with. Rows are only ever added; the newest screens new orders."""

    __tablename__ = "drug_data_versions"

    id: Mapped[int] = mapped_column(primary_key=True)  # the version number
    rxnorm: Mapped[str] = mapped_column(Text)
    rxnorm_sha256: Mapped[str] = mapped_column(String(64))
    rxnorm_source: Mapped[str] = mapped_column(String(300))
    terms: Mapped[str] = mapped_column(Text)
    terms_sha256: Mapped[str] = mapped_column(String(64))
    terms_source: Mapped[str] = mapped_column(String(300))
    loaded_by: Mapped[str] = mapped_column(String(120))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
