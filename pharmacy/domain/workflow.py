"""Where an order can be in the pharmacy, and which moves between states are allowed."""

from __future__ import annotations

import enum


class Status(enum.StrEnum):
    RECEIVED = "received"  # stored, not yet worked
    READY = "ready"  # worksheet and price done, waiting to be compounded
    ON_HOLD = "on_hold"  # an alert needs a pharmacist
    COMPOUNDED = "compounded"
    VERIFIED = "verified"
    DISPENSED = "dispensed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


FINAL = frozenset({Status.DISPENSED, Status.REJECTED, Status.CANCELLED})

ALLOWED_MOVES: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.READY, Status.ON_HOLD, Status.CANCELLED}),
    Status.ON_HOLD: frozenset({Status.READY, Status.REJECTED, Status.CANCELLED}),
    # A pharmacist may refuse a ready order too (a problem screening could not see).
    Status.READY: frozenset({Status.COMPOUNDED, Status.ON_HOLD, Status.REJECTED, Status.CANCELLED}),
    Status.COMPOUNDED: frozenset({Status.VERIFIED, Status.READY, Status.CANCELLED}),
    Status.VERIFIED: frozenset({Status.DISPENSED, Status.CANCELLED}),
    Status.DISPENSED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.CANCELLED: frozenset(),
}


def can_move(current: Status, target: Status) -> bool:
    return target in ALLOWED_MOVES[current]
