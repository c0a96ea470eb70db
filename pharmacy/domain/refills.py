"""Fills and refills of one prescription (domain §10, api.md "Fills, refills and
titration across fills").

A prescription is the prescriber's order; a fill is one making and dispensing of it.
Fill 0 is the original and each refill is a new fill, screened, compounded, priced and
labelled on its own. Here are the rules every writer of a fill asks: whether a refill
may start today and, if not, the one reason a clinic or the counter is told; which
doses a fill holds when the prescription's course spans several fills; and what the
label says about the fill.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from pharmacy.domain.prescription import DirectionStep
from pharmacy.domain.workflow import FINAL, HANDED_OVER, Status

DEFAULT_TOO_SOON_PERCENT = 75

# Why a refill may not start, in the order they are checked: the first that applies is
# the one reported, so a stopped prescription is never told "too soon".
NOT_ACTIVE = "not_active"
FILL_IN_PROGRESS = "fill_in_progress"
EXPIRED = "expired"
NO_REFILLS_LEFT = "no_refills_left"
TOO_SOON = "too_soon"
REFILL_REFUSALS = (NOT_ACTIVE, FILL_IN_PROGRESS, EXPIRED, NO_REFILLS_LEFT, TOO_SOON)


def expires_on(written_on: date) -> date:
    """The day a prescription expires: the same day a year after it was written.

    Written on 29 February, it expires on 28 February, so it never outlives a year.
    """
    try:
        return written_on.replace(year=written_on.year + 1)
    except ValueError:
        return written_on.replace(year=written_on.year + 1, day=28)


class RefillRefused(Exception):
    """Why a refill may not start today: a code from `REFILL_REFUSALS` for the API's
    409, a message for a person, and for `too_soon` the first day it may."""

    def __init__(self, code: str, message: str, earliest_on: date | None = None) -> None:
        if code not in REFILL_REFUSALS:
            raise ValueError(f"{code!r} is not a refill refusal: {', '.join(REFILL_REFUSALS)}")
        if (earliest_on is not None) != (code == TOO_SOON):
            raise ValueError("earliest_on is given for a too_soon refusal, and only for it")
        super().__init__(message)
        self.code = code
        self.message = message
        self.earliest_on = earliest_on

    def __reduce__(self):  # a task's result carries it whole, not just its message
        return (type(self), (self.code, self.message, self.earliest_on))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RefillRefused):
            return NotImplemented
        return (self.code, self.message, self.earliest_on) == (
            other.code,
            other.message,
            other.earliest_on,
        )

    def __hash__(self) -> int:
        return hash((self.code, self.message, self.earliest_on))

    def __repr__(self) -> str:
        return (
            f"RefillRefused(code={self.code!r}, message={self.message!r}, "
            f"earliest_on={self.earliest_on!r})"
        )


@dataclass(frozen=True)
class LastFill:
    """The prescription's latest fill, as far as a refill cares."""

    status: str  # a `workflow.Status` value
    dispensed_on: date | None
    days_supply: int

    def __post_init__(self) -> None:
        status = Status(self.status)
        if status in HANDED_OVER and self.dispensed_on is None:
            raise ValueError("a fill handed over has the day it was dispensed or shipped")
        if self.days_supply < 1:
            raise ValueError("a fill lasts at least one day")


def earliest_refill(dispensed_on: date, days_supply: int, too_soon_percent: int) -> date:
    """The first day a refill is not too soon: `too_soon_percent` of the last fill's
    days, rounded up to a whole day, after it was dispensed."""
    return dispensed_on + timedelta(days=-(-days_supply * too_soon_percent // 100))


def refill_refusal(
    *,
    rx_number: str,
    prescription_closed: bool,
    last_fill: LastFill,
    refills_remaining: int,
    written_on: date,
    today: date,
    too_soon_percent: int = DEFAULT_TOO_SOON_PERCENT,
    balance_owed: bool = False,
) -> RefillRefused | None:
    """Why a refill of Rx `rx_number` may not start `today`, or None when it may.

    `balance_owed`: the last fill was split and the rest of it comes next, which uses
    no refill (so none need be left); it waits for the part dispensed as a refill does.

    The reasons are checked in the order of `REFILL_REFUSALS`. A cancelled fill was
    never dispensed: it is not in progress and no reason to wait. So `last_fill` is the
    latest fill that was not cancelled, when there is one: otherwise cancelling a refill
    would let the next start the day after the one before was dispensed.
    """
    if not 0 <= too_soon_percent <= 100:
        raise ValueError("too_soon_percent must be between 0 and 100")
    status = Status(last_fill.status)
    if prescription_closed or status is Status.REJECTED:
        why = "its last fill was rejected" if status is Status.REJECTED else "it was stopped"
        return RefillRefused(
            NOT_ACTIVE,
            f"Rx {rx_number} is not active ({why}); ask the prescriber for a new prescription",
        )
    if status not in FINAL:
        return RefillRefused(
            FILL_IN_PROGRESS,
            f"Rx {rx_number} already has a fill in progress ({status.value}); "
            "it must be dispensed or cancelled before a refill",
        )
    expiry = expires_on(written_on)
    if today > expiry:
        return RefillRefused(
            EXPIRED,
            f"Rx {rx_number} expired on {expiry.isoformat()}; ask the prescriber for a renewal",
        )
    if refills_remaining <= 0 and not balance_owed:
        return RefillRefused(
            NO_REFILLS_LEFT,
            f"no refills are left on Rx {rx_number}; ask the prescriber for a renewal",
        )
    if status in HANDED_OVER:
        assert last_fill.dispensed_on is not None
        earliest = earliest_refill(last_fill.dispensed_on, last_fill.days_supply, too_soon_percent)
        if today < earliest:
            return RefillRefused(
                TOO_SOON,
                f"too soon: Rx {rx_number} can be refilled from {earliest.isoformat()}",
                earliest,
            )
    return None


def course_fills(course: Sequence[DirectionStep], days_supply: int) -> int:
    """How many fills the prescription's course spans: its days over the days supply,
    a part fill counted whole, and at least one."""
    if days_supply < 1:
        raise ValueError("days_supply must be at least 1")
    return max(1, -(-sum(step.days for step in course) // days_supply))


def fill_steps(
    course: Sequence[DirectionStep], days_supply: int, refill: int
) -> tuple[DirectionStep, ...]:
    """The doses of the fill that is the `refill`-th refill (0: the original fill).

    The course (the prescription's steps) is taken in order, fill after fill, and after
    its end continues for ever at its last step's dose, so a refill never restarts a
    titration. The fill covers days [refill × days_supply, (refill + 1) × days_supply)
    of it: a step cut by a fill's edge is split between the two fills, and neighbouring
    parts of the same dose become one step, so a patient's label has one line per dose.
    """
    if not course:
        raise ValueError("a course has at least one step")
    if any(step.days < 1 for step in course):
        raise ValueError("every step of a course lasts at least one day")
    if days_supply < 1:
        raise ValueError("days_supply must be at least 1")
    if refill < 0:
        raise ValueError("refill must be 0 (the original fill) or more")
    start = refill * days_supply
    end = start + days_supply
    parts: list[DirectionStep] = []
    step_start = 0
    for step in course:
        step_end = step_start + step.days
        _add(parts, step.dose_mg, min(step_end, end) - max(step_start, start))
        step_start = step_end
    _add(parts, course[-1].dose_mg, end - max(step_start, start))  # after the course
    return tuple(parts)


def part_steps(
    course: Sequence[DirectionStep],
    days_supply: int,
    refill: int,
    first_day: int = 0,
    days: int | None = None,
) -> tuple[DirectionStep, ...]:
    """The doses of one part of a split fill: days [first_day, first_day + days) of the
    `refill`-th fill's days (`fill_steps`); the whole fill when not split (days None:
    to its end)."""
    whole = fill_steps(course, days_supply, refill)
    end = days_supply if days is None else first_day + days
    if not 0 <= first_day < end <= days_supply:
        raise ValueError(f"days {first_day} to {end} are not a part of a {days_supply}-day fill")
    parts: list[DirectionStep] = []
    step_start = 0
    for step in whole:
        step_end = step_start + step.days
        _add(parts, step.dose_mg, min(step_end, end) - max(step_start, first_day))
        step_start = step_end
    return tuple(parts)


def split_part(days_left: int, beyond_use_days: int) -> int | None:
    """The days the next part of a fill covers when split at its beyond-use date: the
    days its BUD lasts, or None when the days left fit within it (nothing to split)."""
    if beyond_use_days < 1:
        raise ValueError("a preparation that lasts no day cannot be split into parts")
    return beyond_use_days if beyond_use_days < days_left else None


def part_line(first_day: int, days: int, days_supply: int) -> str:
    """How a part of a split fill is named: "days 1 to 35 of 90"."""
    return f"days {first_day + 1} to {first_day + days} of {days_supply}"


def _add(parts: list[DirectionStep], dose_mg: Decimal, days: int) -> None:
    if days <= 0:
        return
    if parts and parts[-1].dose_mg == dose_mg:
        parts[-1] = DirectionStep(dose_mg, parts[-1].days + days)
    else:
        parts.append(DirectionStep(dose_mg, days))


def refill_line(refill: int, refills: int) -> str:
    """What the label says this fill is: "Original fill" or "Refill 1 of 2"."""
    if not 0 <= refill <= refills:
        raise ValueError(f"refill {refill} is not a fill of a prescription with {refills} refills")
    return "Original fill" if refill == 0 else f"Refill {refill} of {refills}"


def refills_left_after(refill: int, refills: int) -> int:
    """The refills left once this fill is dispensed: the label prints it."""
    return max(refills - refill, 0)
