"""Where an order can be in the pharmacy, who moves it on, and what each refusal says.

One table, `ACTIONS`, holds for each thing done to an order who may do it, the states
it starts from, the state it leaves the order in and how a refusal names it. `move`
checks a change against the table (or, for the system's own steps, against
`ALLOWED_MOVES`) and answers what to write; the clinic's API, the worker and the staff
all decide an order's status through it, so a rule changed here changes for everyone,
and the README's table is rendered from it (`markdown_table`).

A refill is in the table too (who may start one, from where), but it moves no fill's
status: the fill that ended stays dispensed or cancelled, and the prescription's next
fill starts at `FIRST`. A fill is handed over by being dispensed at the counter or
shipped (`HANDED_OVER`): every rule about a fill the patient has counts both.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple


class Status(enum.StrEnum):
    RECEIVED = "received"  # stored, not yet worked
    READY = "ready"  # worksheet and price done, waiting to be compounded
    ON_HOLD = "on_hold"  # an alert needs a pharmacist
    # A pharmacist asked the prescriber a question; the clinic's answer starts the fill
    # again (`Action.ANSWER`).
    AWAITING_PRESCRIBER = "awaiting_prescriber"
    COMPOUNDED = "compounded"
    VERIFIED = "verified"
    DISPENSED = "dispensed"
    # Mailed to the patient: handed over as a dispensed fill is (`HANDED_OVER`).
    SHIPPED = "shipped"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


# Handed over to the patient, at the counter or by mail: the refill rules, the refills
# left and the refills due count either the same.
HANDED_OVER = frozenset({Status.DISPENSED, Status.SHIPPED})
# Closed: nothing moves an order on once it is handed over, rejected or cancelled.
CLOSED = (Status.DISPENSED, Status.SHIPPED, Status.REJECTED, Status.CANCELLED)
FINAL = frozenset(CLOSED)
# Open (active): still to be worked, made, checked or handed over. The work queue shows
# these first, and screening counts a patient's other open LDN orders.
OPEN = tuple(status for status in Status if status not in FINAL)
# A new order's status, as the clinic's API stores it.
FIRST = Status.RECEIVED

ALLOWED_MOVES: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.READY, Status.ON_HOLD, Status.CANCELLED}),
    Status.ON_HOLD: frozenset(
        {Status.READY, Status.AWAITING_PRESCRIBER, Status.REJECTED, Status.CANCELLED}
    ),
    # A pharmacist may refuse a ready order too (a problem screening could not see), or
    # ask its prescriber first.
    Status.READY: frozenset(
        {
            Status.COMPOUNDED,
            Status.ON_HOLD,
            Status.AWAITING_PRESCRIBER,
            Status.REJECTED,
            Status.CANCELLED,
        }
    ),
    # The answer starts the next fill (a new fill, from none); no answer coming, the
    # pharmacist rejects it or the clinic cancels it.
    Status.AWAITING_PRESCRIBER: frozenset({Status.REJECTED, Status.CANCELLED}),
    Status.COMPOUNDED: frozenset({Status.VERIFIED, Status.READY, Status.CANCELLED}),
    Status.VERIFIED: frozenset({Status.DISPENSED, Status.SHIPPED, Status.CANCELLED}),
    Status.DISPENSED: frozenset(),
    Status.SHIPPED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.CANCELLED: frozenset(),
}


def can_move(current: Status, target: Status) -> bool:
    return target in ALLOWED_MOVES[current]


# Who acts on an order: the staff by their account's role, the clinic through the API,
# and the worker (the system) working a received order.
STAFF_ROLES = ("technician", "pharmacist", "admin")
CLINIC = "clinic"
WORKER = "worker"


class Action(enum.StrEnum):
    """What a person does to an order: the dashboard's buttons, and the clinic's cancel,
    refill and answer."""

    OVERRIDE = "override"
    REJECT = "reject"
    RECORD_COMPOUNDING = "record_compounding"
    VERIFY = "verify"
    DISPENSE = "dispense"
    SHIP = "ship"
    CANCEL = "cancel"
    REFILL = "refill"
    ASK_PRESCRIBER = "ask_prescriber"
    ANSWER = "answer"
    SPLIT = "split"


@dataclass(frozen=True)
class Rule:
    """One row of the table: who may take the action, from where, to where, and the
    words a refusal uses ("only a pharmacist may <doing>"; "Rx 12 is ready: <state_rule>").

    `new_fill`: the action starts the prescription's next fill, whose first status is
    `to`; the fill it starts from keeps its own status (a refill)."""

    who: tuple[str, ...]
    starts_from: frozenset[Status]
    to: Status
    doing: str
    state_rule: str
    new_fill: bool = False


ACTIONS: dict[Action, Rule] = {
    Action.OVERRIDE: Rule(
        ("pharmacist",),
        frozenset({Status.ON_HOLD}),
        Status.READY,
        "override a hold",
        "only an order on hold can be overridden",
    ),
    Action.REJECT: Rule(
        ("pharmacist",),
        frozenset({Status.ON_HOLD, Status.READY, Status.AWAITING_PRESCRIBER}),
        Status.REJECTED,
        "reject an order",
        "only an order on hold, ready or awaiting its prescriber can be rejected",
    ),
    # Before anything is made: a question about a compounded batch is a verification's.
    Action.ASK_PRESCRIBER: Rule(
        ("pharmacist",),
        frozenset({Status.ON_HOLD, Status.READY}),
        Status.AWAITING_PRESCRIBER,
        "ask the prescriber a question",
        "only an order on hold or ready can be asked about",
    ),
    # Before anything is made, a fill whose beyond-use date comes before its supply ends
    # is made in parts: the first part is worked again as the next fill, and the rest
    # follows as a later fill of the same refill (domain §10).
    Action.SPLIT: Rule(
        ("pharmacist",),
        frozenset({Status.ON_HOLD, Status.READY}),
        FIRST,
        "split a fill at its beyond-use date",
        "only an order on hold or ready can be split",
        new_fill=True,
    ),
    # The clinic answers through the API, with changes or without; the fill asked about
    # stays as it was and the answer is screened and worked as the next fill.
    Action.ANSWER: Rule(
        (CLINIC,),
        frozenset({Status.AWAITING_PRESCRIBER}),
        FIRST,
        "answer the pharmacist's question",
        "the pharmacy is waiting for no answer about it",
        new_fill=True,
    ),
    Action.RECORD_COMPOUNDING: Rule(
        ("technician", "pharmacist"),
        frozenset({Status.READY}),
        Status.COMPOUNDED,
        "record compounding",
        "only a ready order can be recorded as compounded",
    ),
    Action.VERIFY: Rule(
        ("pharmacist",),
        frozenset({Status.COMPOUNDED}),
        Status.VERIFIED,
        "verify a compounded order",
        "only a compounded order can be verified",
    ),
    Action.DISPENSE: Rule(
        ("technician", "pharmacist"),
        frozenset({Status.VERIFIED}),
        Status.DISPENSED,
        "dispense an order",
        "only a verified order can be dispensed",
    ),
    # Mailed instead of picked up: the same hand-over, by carrier (`counter.shipping`).
    Action.SHIP: Rule(
        ("technician", "pharmacist"),
        frozenset({Status.VERIFIED}),
        Status.SHIPPED,
        "ship an order",
        "only a verified order can be shipped",
    ),
    # Staff give a written reason; the clinic need not, and cancelling twice is harmless
    # to it (the API answers with the order as it is).
    Action.CANCEL: Rule(
        ("pharmacist", "admin", CLINIC),
        frozenset(OPEN),
        Status.CANCELLED,
        "cancel an order",
        "a dispensed, shipped, rejected or cancelled order cannot be cancelled",
    ),
    # A technician takes the patient's call, or the clinic asks through the API. Only
    # these states may start one; whether one may start today (refills left, expiry,
    # too soon, a stopped prescription) is `domain.refills.refill_refusal`'s to say. A
    # cancelled original fill stopped the prescription: that refusal is its too.
    Action.REFILL: Rule(
        ("technician", "pharmacist", CLINIC),
        frozenset({Status.DISPENSED, Status.SHIPPED, Status.CANCELLED}),
        FIRST,
        "start a refill",
        "a refill starts only once the last fill was dispensed or shipped, or a refill was "
        "cancelled",
        new_fill=True,
    ),
}

# The system's own steps, no person's action: a new order is received; the worker screens
# a received one and works out its worksheet and price, and it becomes ready, or on hold
# when a hard stop needs a pharmacist.
WORKED = (Status.READY, Status.ON_HOLD)
SYSTEM_STEPS: dict[Status | None, tuple[Status, ...]] = {None: (FIRST,), Status.RECEIVED: WORKED}

# Only a worked order has the quantity, beyond-use date and price a label or a receipt
# prints; a handed-over one can be printed again.
PRINTABLE = frozenset({Status.READY, Status.COMPOUNDED, Status.VERIFIED, *HANDED_OVER})
NOT_PRINTABLE_BECAUSE = {
    Status.RECEIVED: "it has not been worked yet (no worksheet, BUD or price)",
    Status.ON_HOLD: "it is on hold until a pharmacist resolves its alerts",
    Status.AWAITING_PRESCRIBER: "it waits for the prescriber's answer to the pharmacist's question",
}


def why_not_printable(status: Status | str) -> str | None:
    """None when an order in `status` prints, else why not ("it is rejected")."""
    status = Status(status)
    if status in PRINTABLE:
        return None
    return NOT_PRINTABLE_BECAUSE.get(status, f"it is {status.value}")


def may(who: str, action: Action) -> bool:
    return who in ACTIONS[action].who


def roles_for(action: Action) -> list[str]:
    """The staff roles that may take `action`, in the accounts' order."""
    return [role for role in STAFF_ROLES if may(role, action)]


def _a(name: str) -> str:
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def only_who_may(action: Action, doing: str | None = None) -> str:
    """How a refusal by role begins: "only a pharmacist or an admin may cancel an order".
    `doing` names something else that is for the same roles (switching automatic
    refills on is for those who may start one)."""
    allowed = " or ".join(_a(role) for role in roles_for(action))
    return f"only {allowed} may {doing or ACTIONS[action].doing}"


class Move(NamedTuple):
    """What a status change writes: `from_status` None for an order's first status."""

    from_status: Status | None
    to_status: Status


class Refused(Exception):
    """A move the workflow does not allow. `code` is stable for programs; the message is
    what the person, or the clinic, is told."""

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotTheirs(Refused):
    """Who asks may not take the action (a role, or the clinic)."""

    code = "forbidden"


class WrongState(Refused):
    """The order is not in a state the action starts from."""

    code = "wrong_status"


def move(
    current: Status | str | None,
    step: Action | Status,
    *,
    by: str | None = None,
    rx_number: int | None = None,
) -> Move:
    """The change `step` makes to an order in `current`, or a refusal.

    `step` is an action of the table, or for the system's own steps (`SYSTEM_STEPS`: the
    first status, the worker's) the status to move to. `by` is who
    asks, a staff role or `CLINIC`, checked against the action's row when given; the
    clinic is refused a cancel in its own words (`not_cancellable`), the staff with the
    Rx number. An action that starts a new fill (a refill) answers that fill's first
    status, from none: the fill it starts from keeps its own.
    """
    current = None if current is None else Status(current)
    if isinstance(step, Action):
        return _by_action(current, step, by, rx_number)
    target = Status(step)
    if target not in SYSTEM_STEPS.get(current, ()):
        order = "a new order" if current is None else f"a {current.value} order"
        raise Refused(f"the workflow does not move {order} to {target.value} by itself")
    assert current is None or can_move(current, target), f"{current} to {target}"
    return Move(current, target)


def _by_action(current: Status | None, action: Action, by: str | None, rx: int | None) -> Move:
    rule = ACTIONS[action]
    if by is not None and by not in rule.who:
        raise NotTheirs(f"{only_who_may(action)}, not {_a(by)}")
    if current not in rule.starts_from:
        state = "new" if current is None else current.value
        if by == CLINIC and action is Action.CANCEL:
            raise WrongState(f"the prescription is already {state}", code="not_cancellable")
        order = "the order" if rx is None else f"Rx {rx}"
        raise WrongState(f"{order} is {state.replace('_', ' ')}: {rule.state_rule}")
    if rule.new_fill:
        return Move(None, rule.to)
    assert can_move(current, rule.to), f"{action} moves {current} to {rule.to}"
    return Move(current, rule.to)


def markdown_table() -> str:
    """The workflow as the README shows it: for each state, what can be done to the
    order, by whom, and the state it goes to. A state whose orders print a label and a
    receipt says so; an action that starts the next fill says so, and a state from which
    nothing but that can happen says the fill is closed."""
    lines = ["| state | action | who | next state |", "|---|---|---|---|"]
    lines.append(f"| (new) | sent through the API | {CLINIC} | {FIRST.value} |")
    for status in Status:
        steps = []
        if status is Status.RECEIVED:
            worked = " or ".join(s.value for s in WORKED)
            steps.append(("worked: screened, worksheet and price", WORKER, worked))
        for rule in ACTIONS.values():
            if status in rule.starts_from:
                to = f"{rule.to.value} (the next fill)" if rule.new_fill else rule.to.value
                steps.append((rule.doing, ", ".join(rule.who), to))
        if all(rule.new_fill for rule in ACTIONS.values() if status in rule.starts_from):
            steps.insert(0, ("none: the fill is closed", "", ""))
        state = status.value + (" (label and receipt print)" if status in PRINTABLE else "")
        for index, step in enumerate(steps):
            lines.append("| " + " | ".join((state if index == 0 else "", *step)) + " |")
    return "\n".join(lines) + "\n"
