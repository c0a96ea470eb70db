"""Who is signed in, and the roles each view allows.

Every dashboard view requires a login (`auth` checks it before any view runs), and
every view names the roles it allows with `@allow(...)`. Actions on orders name the
roles the workflow's table allows for them (`domain.workflow.ACTIONS`), and the service
checks again against the account as it is in the database at that moment.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Protocol, TypeVar

from flask import abort
from flask_login import current_user

from pharmacy.domain.workflow import ACTIONS, STAFF_ROLES, Action, roles_for
from pharmacy.services.counter.access import Staff

EVERYONE = STAFF_ROLES
PHARMACY_STAFF = ("technician", "pharmacist")
AUDITORS = ("pharmacist", "admin")
ADMINS = ("admin",)
# Printing is no state change (the order keeps its status) but is audited; the staff at
# the bench print.
PRINTERS = PHARMACY_STAFF

View = TypeVar("View", bound=Callable[..., object])


class Account(Protocol):
    """What the views read of the signed-in account."""

    id: int
    username: str
    role: str
    initials: str


def signed_in() -> Account:
    return current_user.user


def staff() -> Staff:
    return Staff.of(signed_in())


def role() -> str:
    return signed_in().role


def _a(name: str) -> str:
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def allow(*roles: str, doing: str | None = None) -> Callable[[View], View]:
    """Refuse (403) anyone signed in whose role is not among `roles`."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def checked(*args, **kwargs):
            if role() not in roles:
                who = " or ".join(_a(name) for name in roles)
                what = doing or "open this page"
                abort(403, description=f"Only {who} may {what}; you are signed in as {role()}.")
            return view(*args, **kwargs)

        checked.allowed_roles = roles  # type: ignore[attr-defined]  (read by the tests)
        return checked  # type: ignore[return-value]

    return decorate


def allow_action(action: Action) -> Callable[[View], View]:
    """The roles the service allows for `action`, refused here before anything is read."""
    return allow(*roles_for(action), doing=ACTIONS[action].doing)
