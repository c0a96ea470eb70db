"""Who may do what to an order: the staff roles, and the states each action starts from.

The web shows only the buttons `allowed_actions` returns, but every action checks again
(`authorize`), against the account as it is in the database now: a role changed or an
account deactivated since the person logged in counts from the next click.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.domain.workflow import FINAL, Status
from pharmacy.models import Prescription, User
from pharmacy.services import Actor, ServiceError


class Forbidden(ServiceError):
    """The person's role (or, for verification, their own part in the order) forbids it."""

    code = "forbidden"


@dataclass(frozen=True)
class Staff:
    """Who acts: built by the web layer from the logged-in user."""

    user_id: int
    username: str
    role: str
    initials: str

    @property
    def actor(self) -> Actor:
        return Actor("user", str(self.user_id), self.username)

    @classmethod
    def of(cls, user: User) -> Staff:
        return cls(user.id, user.username, user.role, user.initials)


class Action(enum.StrEnum):
    OVERRIDE = "override"
    REJECT = "reject"
    RECORD_COMPOUNDING = "record_compounding"
    VERIFY = "verify"
    DISPENSE = "dispense"
    CANCEL = "cancel"


ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "technician": frozenset({Action.RECORD_COMPOUNDING.value, Action.DISPENSE.value}),
    "pharmacist": frozenset(action.value for action in Action),
    "admin": frozenset({Action.CANCEL.value}),
}

# The states each action starts from. Every move it makes is one the workflow allows.
ACTION_STATES: dict[Action, frozenset[Status]] = {
    Action.OVERRIDE: frozenset({Status.ON_HOLD}),
    Action.REJECT: frozenset({Status.ON_HOLD, Status.READY}),
    Action.RECORD_COMPOUNDING: frozenset({Status.READY}),
    Action.VERIFY: frozenset({Status.COMPOUNDED}),
    Action.DISPENSE: frozenset({Status.VERIFIED}),
    Action.CANCEL: frozenset(Status) - FINAL,
}

# How a refusal names the action: "only a pharmacist may <...>".
DOING = {
    Action.OVERRIDE: "override a hold",
    Action.REJECT: "reject an order",
    Action.RECORD_COMPOUNDING: "record compounding",
    Action.VERIFY: "verify a compounded order",
    Action.DISPENSE: "dispense an order",
    Action.CANCEL: "cancel an order",
}


def roles_for(action: Action) -> list[str]:
    return [role for role, actions in ROLE_ACTIONS.items() if action in actions]


def _a(role: str) -> str:
    return f"{'an' if role[:1] in 'aeiou' else 'a'} {role}"


def authorize(session: Session, staff: Staff, action: Action) -> User:
    """The acting user's account, if its current role allows `action`; else Forbidden."""
    user = session.scalar(
        select(User).where(User.id == staff.user_id).execution_options(populate_existing=True)
    )
    if user is None or not user.active:
        raise Forbidden(f"{staff.username} has no active staff account")
    if action not in ROLE_ACTIONS.get(user.role, frozenset()):
        allowed = " or ".join(_a(role) for role in roles_for(action))
        raise Forbidden(
            f"only {allowed} may {DOING[action]}; {user.username} is signed in as {user.role}"
        )
    return user


def allowed_actions(
    staff: Staff,
    prescription: Prescription,
    compounded_by_user_id: int | None,
    *,
    verifier_may_be_compounder: bool = False,
) -> list[str]:
    """The actions to offer on the order page, in a stable order.

    Role and state decide, plus two rules the action itself would refuse: an order held
    without a worksheet cannot be overridden (it reads `prescription.worksheet`), and the
    pharmacist who compounded does not verify unless the pharmacy's setting
    `verifier_may_be_compounder` (pass it in) says so. The action still checks all of it.
    """
    status = Status(prescription.status)
    offered: list[str] = []
    for action in Action:
        if action not in ROLE_ACTIONS.get(staff.role, frozenset()):
            continue
        if status not in ACTION_STATES[action]:
            continue
        if action is Action.OVERRIDE and prescription.worksheet is None:
            continue
        if (
            action is Action.VERIFY
            and not verifier_may_be_compounder
            and compounded_by_user_id == staff.user_id
        ):
            continue
        offered.append(action.value)
    return offered
