"""Who may do what to an order: the staff's account checked against the workflow's table.

The table itself (roles, the states each action starts from) is the domain's
(`domain.workflow.ACTIONS`); `ROLE_ACTIONS`, `ACTION_STATES` and `DOING` read it.

The web shows only the buttons `allowed_actions` returns, but every action checks again
(`authorize`), against the account as it is in the database now: a role changed or an
account deactivated since the person logged in counts from the next click.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.domain.refills import split_part
from pharmacy.domain.workflow import (
    ACTIONS,
    STAFF_ROLES,
    Action,
    Status,
    may,
    only_who_may,
    roles_for,
)
from pharmacy.models import Prescription, User
from pharmacy.services import Actor, ServiceError

__all__ = [
    "ACTION_STATES",
    "DOING",
    "ROLE_ACTIONS",
    "Action",
    "Forbidden",
    "Staff",
    "allowed_actions",
    "authorize",
    "roles_for",
]


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


# The domain's table, read the way the dashboard and the actions read it.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    role: frozenset(action.value for action in Action if may(role, action)) for role in STAFF_ROLES
}
ACTION_STATES: dict[Action, frozenset[Status]] = {
    action: rule.starts_from for action, rule in ACTIONS.items()
}
# How a refusal names the action: "only a pharmacist may <...>".
DOING: dict[Action, str] = {action: rule.doing for action, rule in ACTIONS.items()}


def authorize(session: Session, staff: Staff, action: Action, *, doing: str | None = None) -> User:
    """The acting user's account, if its current role allows `action`; else Forbidden.

    `doing` names what is asked when it is not the action itself but is for the same
    roles (switching automatic refills is for those who may start a refill)."""
    user = session.scalar(
        select(User).where(User.id == staff.user_id).execution_options(populate_existing=True)
    )
    if user is None or not user.active:
        raise Forbidden(f"{staff.username} has no active staff account")
    if user.role not in STAFF_ROLES or not may(user.role, action):
        raise Forbidden(
            f"{only_who_may(action, doing)}; {user.username} is signed in as {user.role}"
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

    Role and state decide, plus four rules the action itself would refuse: an order
    held without a worksheet cannot be overridden (it reads `prescription.worksheet`),
    nor split unless its worksheet's preparation lasts less than its days;
    the pharmacist who compounded does not verify unless the pharmacy's setting
    `verifier_may_be_compounder` (pass it in) says so; and a cancelled original fill
    stopped the prescription, so only a cancelled refill offers another. A refill is
    offered even when it would be refused today (too soon, none left, expired): the
    technician on the phone is told why. The action still checks all of it.
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
        if action is Action.SPLIT and not _outlasts_its_preparation(prescription):
            continue
        if action is Action.REFILL and status is Status.CANCELLED and not _a_refill(prescription):
            continue
        if (
            action is Action.VERIFY
            and not verifier_may_be_compounder
            and compounded_by_user_id == staff.user_id
        ):
            continue
        offered.append(action.value)
    return offered


def _outlasts_its_preparation(prescription: Prescription) -> bool:
    """Whether the fill's days are more than its worksheet's preparation lasts."""
    worksheet = prescription.worksheet
    if worksheet is None:
        return False
    lasts = worksheet.data.get("beyond_use", {}).get("days")
    return lasts is not None and split_part(prescription.part_days, int(lasts)) is not None


def _a_refill(prescription: Prescription) -> bool:
    """Whether the fill on the prescription's row is a refill, not the original."""
    return (prescription.current_refill or 0) > 0
