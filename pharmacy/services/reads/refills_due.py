"""Refills due: the prescriptions a technician calls about or starts before the patient
runs out, oldest due first, for the work queue's "Refills due" tab.

A prescription is due when its last fill was dispensed, it has refills left, it has not
expired, and its earliest refill day (`domain.refills.earliest_refill`: the share of the
last fill's days the pharmacy waits, `refill_too_soon_percent`) is no later than
`lead_days` from today, so the next fill can be made, checked and handed over in time.
One the clinic has renewed is not: the renewing prescription carries on.

The due day is counted in SQL, from the current fill's `dispensed_on`, so the count and
the page read only the due ones and stay as fast with years of orders: the dispensed
day is bounded first (no refill is due later than `lead_days` from today, none of a fill
dispensed before the prescription's first day still in date), then the exact day is
tested row by row. Counts stop at the queue's cap, as the status tabs' do.

Listing shows patient names, so each listing is audited with the Rx numbers it showed,
as the queue's is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Date, and_, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from pharmacy.domain.refills import DEFAULT_TOO_SOON_PERCENT, refill_line
from pharmacy.domain.workflow import HANDED_OVER
from pharmacy.models import Clinic, Fill, Patient, Prescription, Setting
from pharmacy.services import Actor
from pharmacy.services.intake.refills import TOO_SOON_SETTING
from pharmacy.services.reads.work_queue import (
    COUNT_CAP,
    PER_PAGE,
    Count,
    Search,
    search_conditions,
)
from pharmacy.services.records import trail

VIEW = "refills_due"
EVERY = Search()  # no search: every refill due


@dataclass(frozen=True)
class DueCursor:
    """The last row of a page of refills due: the next page starts after it."""

    due_on: date
    rx_number: int

    def text(self) -> str:
        return f"{self.due_on.isoformat()}.{self.rx_number}"

    @classmethod
    def parse(cls, text: str | None) -> DueCursor | None:
        day, _, number = (text or "").partition(".")
        if not number.isascii() or not number.isdigit() or len(number) > 12:
            return None
        try:
            return cls(date.fromisoformat(day), int(number))
        except ValueError:
            return None


@dataclass(frozen=True)
class RefillDue:
    rx_number: int
    patient_last_name: str
    patient_first_name: str
    date_of_birth: date
    clinic: str
    refill: int  # the next fill's refill number
    refills: int  # the refills the prescriber wrote
    dispensed_on: date  # the last fill's
    days_supply: int
    due_on: date  # the earliest refill day
    auto_refill: bool  # the pharmacy starts it itself

    @property
    def next_fill(self) -> str:
        """What the next fill will be, as its label says it: "Refill 2 of 3"."""
        return refill_line(self.refill, self.refills)

    @property
    def cursor(self) -> DueCursor:
        return DueCursor(self.due_on, self.rx_number)


@dataclass(frozen=True)
class DuePage:
    rows: Sequence[RefillDue]
    count: Count
    next_cursor: DueCursor | None


def too_soon_percent(session: Session) -> int:
    """The pharmacy's setting: how much of the last fill's days pass before a refill."""
    value = session.scalar(select(Setting.value).where(Setting.key == TOO_SOON_SETTING))
    return DEFAULT_TOO_SOON_PERCENT if value is None else int(value)


def first_day_in_date(today: date) -> date:
    """The earliest day a prescription still in date `today` can have been written on:
    a year before (`domain.refills.expires_on`: written on 29 February, it lasts until
    28 February; so on 29 February, one written on 1 March of the year before)."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:
        return date(today.year - 1, 3, 1)


def count(
    session: Session,
    *,
    today: date,
    lead_days: int,
    search: Search = EVERY,
    timezone: str = "UTC",
) -> Count:
    """How many refills are due (of those `search` finds), exact up to `COUNT_CAP`."""
    where = search_conditions(search, timezone)
    percent = too_soon_percent(session)
    bounded = (
        select(literal(1).label("one"))
        .select_from(Fill)
        .join(Prescription, Prescription.id == Fill.prescription_id)
        .where(*due_conditions(session, today, lead_days, percent), *where)
        .limit(COUNT_CAP + 1)
        .subquery()
    )
    found = session.scalar(select(func.count()).select_from(bounded)) or 0
    return Count(min(found, COUNT_CAP), found > COUNT_CAP)


def list_due(
    session: Session,
    *,
    today: date,
    lead_days: int,
    search: Search = EVERY,
    timezone: str = "UTC",
    after: DueCursor | None = None,
    per_page: int = PER_PAGE,
    actor: Actor,
    request_id: str | None = None,
) -> DuePage:
    """A page of the refills due, oldest due day first (then the oldest Rx), after
    `after` (or from the top), with their count; `search` narrows them as it narrows
    the queue (an Rx number, a patient's name, the day received)."""
    where = search_conditions(search, timezone)
    percent = too_soon_percent(session)
    due_on = _due_on(session, percent).label("due_on")
    conditions = [*due_conditions(session, today, lead_days, percent), *where]
    if after is not None:
        conditions.append(
            or_(
                due_on > after.due_on,
                and_(due_on == after.due_on, Prescription.id > after.rx_number),
            )
        )
    found = session.execute(
        select(
            Prescription.id,
            Patient.last_name,
            Patient.first_name,
            Patient.date_of_birth,
            Clinic.name,
            Prescription.refills,
            Prescription.refills_remaining,
            Fill.dispensed_on,
            Prescription.part_days.label("days_supply"),
            _balance_owed().label("balance_owed"),
            Prescription.current_refill,
            due_on,
            Prescription.auto_refill,
        )
        .select_from(Fill)
        .join(Prescription, Prescription.id == Fill.prescription_id)
        .join(Patient, Patient.id == Prescription.patient_id)
        .join(Clinic, Clinic.id == Prescription.clinic_id)
        .where(*conditions)
        .order_by(due_on, Prescription.id)
        .limit(per_page + 1)
    ).all()
    rows = [
        RefillDue(
            rx_number=row.id,
            patient_last_name=row.last_name,
            patient_first_name=row.first_name,
            date_of_birth=row.date_of_birth,
            clinic=row.name,
            # As `intake.refills.start_refill` numbers it: a cancelled refill used none,
            # and the rest of a split fill is the same refill.
            refill=row.current_refill
            if row.balance_owed
            else row.refills - row.refills_remaining + 1,
            refills=row.refills,
            dispensed_on=row.dispensed_on,
            days_supply=row.days_supply,
            due_on=_as_date(row.due_on),
            auto_refill=bool(row.auto_refill),
        )
        for row in found[:per_page]
    ]
    if rows:
        trail.record(
            session,
            actor,
            "queue.viewed",
            request_id=request_id,
            view=VIEW,
            searched=search.narrowed,
            rx_numbers=[str(row.rx_number) for row in rows],
        )
        session.commit()
    else:
        session.rollback()
    return DuePage(
        rows=rows,
        count=count(session, today=today, lead_days=lead_days, search=search, timezone=timezone),
        next_cursor=rows[-1].cursor if len(found) > per_page else None,
    )


def due_conditions(
    session: Session, today: date, lead_days: int, percent: int
) -> list[ColumnElement[bool]]:
    """The conditions of a due refill, on `fills` joined to `prescriptions`.

    The fill in progress is the only one without the status it ended with: that, and
    its dispensed day, bound the rows read before the due day is counted for each."""
    latest = today + timedelta(days=lead_days)
    shortest_wait = -(-percent // 100)  # of a one-day supply
    in_date_from = first_day_in_date(today)
    renewing = aliased(Prescription)
    return [
        Fill.status.is_(None),
        Fill.number == Prescription.current_fill,
        Fill.dispensed_on.is_not(None),
        Fill.dispensed_on >= in_date_from,  # dispensed after it was written
        Fill.dispensed_on <= latest - timedelta(days=shortest_wait),
        Prescription.status.in_(HANDED_OVER),
        or_(Prescription.refills_remaining > 0, _balance_owed()),
        Prescription.written_on >= in_date_from,
        _due_on(session, percent) <= latest,
        ~exists().where(renewing.renews_id == Prescription.id),
    ]


def _due_on(session: Session, percent: int) -> ColumnElement[date]:
    """The earliest refill day, as `domain.refills.earliest_refill` counts it: the
    last fill's dispensed day and `percent` of its days, rounded up to a whole day."""
    wait = (Prescription.part_days * percent + 99) // 100
    if session.get_bind().dialect.name == "postgresql":
        return Fill.dispensed_on + wait
    return func.date(Fill.dispensed_on, func.printf("+%d days", wait), type_=Date)


def _balance_owed() -> ColumnElement[bool]:
    """The fill was a part of a split fill, and the rest of it is still owed."""
    return Prescription.fill_first_day + Prescription.part_days < Prescription.days_supply


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
