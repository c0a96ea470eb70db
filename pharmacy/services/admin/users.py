"""The pharmacy's staff accounts. Passwords are kept only as slow (scrypt) hashes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from pharmacy.domain.passwords import password_problem
from pharmacy.models import ROLES, User
from pharmacy.services import Actor, Conflict, ServiceError
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work


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
    problem = password_problem(password, personal=[username, *full_name.split()])
    if problem:
        raise ServiceError(problem)
    with unit_of_work(session):
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict("username_taken", f"a user named {username!r} already exists")
        user = User(
            username=username,
            role=role,
            password_hash=generate_password_hash(password),
            full_name=full_name,
            # Printed on labels: from the name, else from the username, never blank.
            initials=(
                initials
                or "".join(part[:1] for part in full_name.split()).upper()[:5]
                or username[:2].upper()
            ),
        )
        session.add(user)
        session.flush()
        trail.record(session, actor, "user.created", user_id=user.id, role=role)
    return user


def change_password(session: Session, user: User, current: str, new: str, actor: Actor) -> None:
    """A signed-in user's own new password, given the one they have. Every other
    session of the account ends (`User.session_version`)."""
    if len(current) > 1024 or not check_password_hash(user.password_hash, current):
        raise ServiceError("the current password is not right")
    if new == current:
        raise ServiceError("the new password must differ from the current one")
    problem = password_problem(new, personal=[user.username, *user.full_name.split()])
    if problem:
        raise ServiceError(problem)
    with unit_of_work(session):
        user.password_hash = generate_password_hash(new)
        user.session_version += 1
        trail.record(session, actor, "user.password_changed", user_id=user.id)


def signed_in(session: Session, user_id: int) -> User | None:
    """The account a dashboard session belongs to, read again at each request: None
    once it is deactivated, so its sessions end at their next click."""
    user = session.get(User, user_id)
    return user if user is not None and user.active else None
