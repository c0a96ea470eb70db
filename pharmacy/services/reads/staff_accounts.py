"""The staff accounts, as the administrator's list shows them: active ones first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.models import User


@dataclass(frozen=True)
class StaffAccount:
    id: int
    username: str
    full_name: str
    initials: str
    role: str
    active: bool
    created_at: datetime


def staff_accounts(session: Session) -> list[StaffAccount]:
    users = session.scalars(select(User).order_by(User.active.desc(), User.username))
    return [
        StaffAccount(
            id=user.id,
            username=user.username,
            full_name=user.full_name,
            initials=user.initials,
            role=user.role,
            active=user.active,
            created_at=user.created_at,
        )
        for user in users
    ]
