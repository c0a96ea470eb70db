"""Failed dashboard logins, counted to slow down password guessing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class LoginFailure(Base):
    """One failed login for a username from an address.

    Kept in the database, not in a process's memory, so every web worker counts the
    same failures. Rows older than the throttling window are deleted as new ones come.
    The username is kept as typed (it may name no one); no password is ever kept.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_address_at", "username", "address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
