"""The pharmacy's staff accounts. Passwords are kept only as slow (scrypt) hashes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from pharmacy.models import ROLES, User

from . import Actor, Conflict, ServiceError, audit

MIN_PASSWORD_LENGTH = 10


def create_user(
    session: Session,
    username: str,
    role: str,
    password: str,
    actor: Actor,
    *,
    full_name: str = "",
    initials: str = "",
) -> User:
    if role not in ROLES:
        raise ServiceError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict("username_taken", f"a user named {username!r} already exists")
    user = User(
        username=username,
        role=role,
        password_hash=generate_password_hash(password),
        full_name=full_name,
        initials=initials or "".join(part[:1] for part in full_name.split()).upper()[:5],
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", user_id=user.id, role=role)
    session.commit()
    return user
