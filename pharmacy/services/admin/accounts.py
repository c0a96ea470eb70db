"""Staff accounts as an administrator manages them: added with a role and a first
password, deactivated (never deleted) when someone leaves."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from pharmacy.domain.passwords import password_problem
from pharmacy.models import ROLES, User
from pharmacy.services import Actor, Conflict, NotFound
from pharmacy.services.admin import users
from pharmacy.services.admin.refusals import refused
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import unit_of_work

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")


def add_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    full_name: str,
    role: str,
    password: str,
) -> User:
    """A new account, refused with every problem of the form at once."""
    username = username.strip().lower()
    problems = []
    if not USERNAME.fullmatch(username):
        problems.append(
            ("username", "use 2-40 lower-case letters, digits, dots, dashes or underscores")
        )
    if role not in ROLES:
        problems.append(("role", f"must be one of {', '.join(ROLES)}"))
    weak = password_problem(password, personal=[username, *full_name.split()])
    if weak:
        problems.append(("password", weak))
    if not full_name.strip() or len(full_name) > 200:
        problems.append(("full_name", "the person's name, as it appears on records"))
    if problems:
        raise refused(*problems)
    return users.create_user(session, username, role, password, actor, full_name=full_name.strip())


def set_user_active(session: Session, actor: Actor, user_id: int, active: bool) -> User:
    """Deactivate (or reactivate) an account. Accounts are never deleted: the records
    name the people who made, verified and dispensed each order."""
    with unit_of_work(session):
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"there is no user {user_id}")
        if not active and actor.kind == "user" and actor.id == str(user.id):
            raise Conflict("own_account", "you cannot deactivate your own account")
        if user.active != active:
            user.active = active
            trail.record(
                session,
                actor,
                "user.reactivated" if active else "user.deactivated",
                user_id=user.id,
            )
    return user
