"""The pharmacy's work queue: what is waiting, alerts first, found by Rx number, name or day.

It must stay as fast with years of orders as on the first day, so nothing here reads
every row:

- the order is by status, then by Rx number (oldest first while an order is open,
  newest first once it is closed); each status is its own range of the
  (status, id) index, and a page is read from those ranges with a keyset cursor
  (the last row shown), never an OFFSET, so page 200 costs what page 1 costs;
- counts per status are exact up to `COUNT_CAP` and shown as "1,000+" beyond: one
  statement counting at most `COUNT_CAP + 1` index entries per status; the page reads
  only the statuses it can reach (the counts say which);
- a name search goes through the patients' folded name keys (a prefix range scan),
  a date through the index on the received time, an Rx number through the key.

Listing the queue shows patient names, so each listing is audited with the Rx numbers
it showed (and never with what was searched for, which may be a name).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from pharmacy.domain import workflow
from pharmacy.domain.renewals import REQUESTED
from pharmacy.domain.search import name_key
from pharmacy.domain.workflow import Status
from pharmacy.models import (
    Alert,
    Clinic,
    CompoundingRecord,
    Patient,
    Prescription,
    RenewalRequest,
)
from pharmacy.services import Actor
from pharmacy.services.records import trail


def _queue_rank(status: Status) -> int:
    """Alerts first: an order on hold waits for a pharmacist; then the order in which the
    work is done; orders still being worked by the system come last."""
    last = {Status.ON_HOLD: -1, Status.RECEIVED: len(Status)}
    return last.get(status, list(Status).index(status))


# Which orders are open and which closed is the workflow's; the queue sets their order
# (closed ones after the open, in the workflow's order).
OPEN = tuple(sorted(workflow.OPEN, key=_queue_rank))
CLOSED = workflow.CLOSED
VIEWS: dict[str, tuple[Status, ...]] = {
    "open": OPEN,
    "all": OPEN + CLOSED,
    **{status.value: (status,) for status in OPEN + CLOSED},
}
COUNT_CAP = 1000
PER_PAGE = 50
MAX_NAME_TERMS = 6


@dataclass(frozen=True)
class Search:
    """What the queue is narrowed to; every part is optional."""

    rx_number: int | None = None
    name: str = ""
    received_on: date | None = None

    @property
    def narrowed(self) -> bool:
        return self.rx_number is not None or bool(self.name_terms) or self.received_on is not None

    @property
    def name_terms(self) -> tuple[str, ...]:
        return tuple(name_key(self.name.replace(",", " ")).split())[:MAX_NAME_TERMS]


@dataclass(frozen=True)
class Cursor:
    """A row of the queue, as the place a page starts after or ends before."""

    status: Status
    rx_number: int

    def text(self) -> str:
        return f"{self.status.value}.{self.rx_number}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        status, _, number = (text or "").partition(".")
        if status not in Status.__members__.values() or not number.isascii():
            return None
        if not number.isdigit() or len(number) > 12:
            return None
        return cls(Status(status), int(number))


@dataclass(frozen=True)
class QueueRow:
    rx_number: int
    status: Status
    patient_last_name: str
    patient_first_name: str
    date_of_birth: date
    clinic: str
    dosage_form: str
    strength_mg: Decimal
    days_supply: int
    quantity: Decimal | None
    quantity_unit: str | None
    beyond_use_date: date | None
    price_total: Decimal | None
    received_at: datetime
    hard_stops: int  # unresolved: the order is held for them
    cautions: int
    overridden: int  # hard stops a pharmacist overrode
    qc_failed: bool = False  # the batch recorded failed its quality check

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.status, self.rx_number)


@dataclass(frozen=True)
class Count:
    value: int
    capped: bool  # there are more than `value`

    def __str__(self) -> str:
        return f"{self.value:,}+" if self.capped else f"{self.value:,}"


@dataclass(frozen=True)
class QueuePage:
    view: str
    rows: Sequence[QueueRow]
    counts: dict[str, Count]  # per status, and per view ("open", "all")
    next_cursor: Cursor | None
    previous_cursor: Cursor | None


def list_queue(
    session: Session,
    *,
    view: str,
    search: Search,
    timezone: str,
    after: Cursor | None = None,
    before: Cursor | None = None,
    per_page: int = PER_PAGE,
    actor: Actor,
    request_id: str | None = None,
) -> QueuePage:
    """One page of the queue in `view` ("open", "all" or a status), after or before a
    cursor (or from the top), with the counts per status for the same search."""
    statuses = VIEWS[view]
    where = search_conditions(search, timezone)
    counts = _counts(session, where)
    if before is not None:
        ids, more = _window(
            session, statuses, where, before, forward=False, limit=per_page, counts=counts
        )
        ids.reverse()
        has_previous, has_next = more, True
    else:
        ids, more = _window(
            session, statuses, where, after, forward=True, limit=per_page, counts=counts
        )
        has_previous, has_next = after is not None, more
    rows = _rows(session, ids)
    if rows:
        trail.record(
            session,
            actor,
            "queue.viewed",
            request_id=request_id,
            view=view,
            searched=search.narrowed,
            rx_numbers=[str(row.rx_number) for row in rows],
        )
        session.commit()
    else:
        session.rollback()
    return QueuePage(
        view=view,
        rows=rows,
        counts=counts,
        next_cursor=rows[-1].cursor if rows and has_next else None,
        previous_cursor=rows[0].cursor if rows and has_previous else None,
    )


def counts(session: Session, *, search: Search, timezone: str) -> dict[str, Count]:
    """The counts per status and per view for `search`, for a page of the queue that
    lists something else (the refills due) and still shows the status tabs."""
    return _counts(session, search_conditions(search, timezone))


def renewals_pending(session: Session) -> Count:
    """How many renewal requests wait for the prescriber's answer (the Renewals page
    lists them), exact up to `COUNT_CAP`: a range of the (state, requested at) index."""
    bounded = (
        select(literal(1).label("one"))
        .select_from(RenewalRequest)
        .where(RenewalRequest.state == REQUESTED)
        .limit(COUNT_CAP + 1)
        .subquery()
    )
    found = session.scalar(select(func.count()).select_from(bounded)) or 0
    return Count(min(found, COUNT_CAP), found > COUNT_CAP)


def search_conditions(search: Search, timezone: str) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if search.rx_number is not None:
        where.append(Prescription.id == search.rx_number)
    if search.name_terms:
        where.append(Prescription.patient_id.in_(_patients_named(search.name_terms)))
    if search.received_on is not None:
        start = datetime.combine(search.received_on, time(0), ZoneInfo(timezone))
        where.append(Prescription.created_at >= start)
        where.append(Prescription.created_at < start + timedelta(days=1))
    return where


def _starts(column, text: str) -> ColumnElement[bool]:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(escaped + "%", escape="\\")


def _patients_named(terms: tuple[str, ...]):
    """Patients whose names start with the terms: "lov", "ada lov", "lovelace ada"
    (last name first, as on a label or a chart), or a last name of several words."""
    last, first = Patient.last_name_key, Patient.first_name_key
    whole = " ".join(terms)
    matches = [_starts(last, whole), _starts(first, whole)]
    for split in range(1, len(terms)):
        head, tail = " ".join(terms[:split]), " ".join(terms[split:])
        matches.append(and_(_starts(last, head), _starts(first, tail)))
        matches.append(and_(_starts(first, head), _starts(last, tail)))
    return select(Patient.id).where(or_(*matches))


def _counts(session: Session, where: list[ColumnElement[bool]]) -> dict[str, Count]:
    """Counts per status, each capped, in one statement: each status is counted over its
    own range of the (status, id) index, stopping at `COUNT_CAP + 1` entries. (A plain
    GROUP BY status reads every row: 20 ms at 100,000 orders, and growing.)"""
    parts = []
    for status in OPEN + CLOSED:
        bounded = (
            select(literal(1).label("one"))
            .select_from(Prescription)
            .where(Prescription.status == status, *where)
            .limit(COUNT_CAP + 1)
            .subquery()
        )
        parts.append(
            select(literal(status.value).label("status"), func.count()).select_from(bounded)
        )
    found = dict(session.execute(union_all(*parts)).all())
    counts = {
        status.value: Count(min(found.get(status, 0), COUNT_CAP), found.get(status, 0) > COUNT_CAP)
        for status in OPEN + CLOSED
    }
    for view in ("open", "all"):
        parts_of = [counts[status.value] for status in VIEWS[view]]
        counts[view] = Count(sum(c.value for c in parts_of), any(c.capped for c in parts_of))
    return counts


def _window(
    session: Session,
    statuses: tuple[Status, ...],
    where: list[ColumnElement[bool]],
    cursor: Cursor | None,
    *,
    forward: bool,
    limit: int,
    counts: dict[str, Count] | None = None,
) -> tuple[list[int], bool]:
    """Up to `limit` Rx numbers after (or before) `cursor` in queue order, and whether
    there are more. One query: a bounded index range per status, glued together; with
    the counts, only the statuses the page can reach are read."""
    start = statuses.index(cursor.status) if cursor and cursor.status in statuses else None
    order = list(enumerate(statuses))
    if not forward:
        order.reverse()
    branches = []
    gathered = 0  # rows the statuses taken so far hold for sure
    reached_all = True
    for position, status in order:
        if counts is not None and gathered > limit:
            reached_all = False
            break
        ascending = status not in CLOSED  # open orders oldest first, closed newest first
        conditions = [Prescription.status == status, *where]
        if start is not None:
            if (position < start) if forward else (position > start):
                continue
            if position == start:
                later = Prescription.id > cursor.rx_number
                earlier = Prescription.id < cursor.rx_number
                conditions.append(later if ascending == forward else earlier)
        if counts is not None:
            held = counts[status.value]
            if held.value == 0 and not held.capped:
                continue
            if position != start:  # what is left after the cursor is not known
                gathered += held.value
        direction = Prescription.id.asc() if ascending == forward else Prescription.id.desc()
        branch = (
            select(literal(position).label("position"), Prescription.id)
            .where(*conditions)
            .order_by(direction)
            .limit(limit + 1)
            .subquery()
        )
        branches.append(select(branch.c.position, branch.c.id))
    if not branches:
        return [], False
    found = session.execute(union_all(*branches)).all()
    if len(found) <= limit and not reached_all:
        # The counts were read a moment before: if orders moved since, read them all.
        return _window(session, statuses, where, cursor, forward=forward, limit=limit)

    def place(row) -> tuple[int, int]:
        ascending = statuses[row.position] not in CLOSED
        return (row.position, row.id if ascending else -row.id)

    found.sort(key=place, reverse=not forward)
    return [row.id for row in found[:limit]], len(found) > limit


def _rows(session: Session, ids: list[int]) -> list[QueueRow]:
    if not ids:
        return []
    found = session.execute(
        select(
            Prescription.id,
            Prescription.status,
            Patient.last_name,
            Patient.first_name,
            Patient.date_of_birth,
            Clinic.name,
            Prescription.dosage_form,
            Prescription.strength_mg,
            Prescription.days_supply,
            Prescription.quantity,
            Prescription.quantity_unit,
            Prescription.beyond_use_date,
            Prescription.price_total,
            Prescription.created_at,
            CompoundingRecord.qc_passed,
        )
        .join(Patient, Patient.id == Prescription.patient_id)
        .join(Clinic, Clinic.id == Prescription.clinic_id)
        .outerjoin(
            CompoundingRecord,
            and_(
                CompoundingRecord.prescription_id == Prescription.id,
                CompoundingRecord.fill_number == Prescription.current_fill,
            ),
        )
        .where(Prescription.id.in_(ids))
    ).all()
    alerts: dict[tuple[int, str], int] = {}
    for rx_number, severity, resolution, number in session.execute(
        select(Alert.prescription_id, Alert.severity, Alert.resolution, func.count())
        .join(
            Prescription,
            and_(
                Prescription.id == Alert.prescription_id,
                Prescription.current_fill == Alert.fill_number,
            ),
        )
        .where(Alert.prescription_id.in_(ids))
        .group_by(Alert.prescription_id, Alert.severity, Alert.resolution)
    ):
        kind = severity if resolution is None else resolution
        alerts[rx_number, kind] = alerts.get((rx_number, kind), 0) + number
    by_id = {row.id: row for row in found}
    return [
        QueueRow(
            rx_number=row.id,
            status=Status(row.status),
            patient_last_name=row.last_name,
            patient_first_name=row.first_name,
            date_of_birth=row.date_of_birth,
            clinic=row.name,
            dosage_form=row.dosage_form,
            strength_mg=row.strength_mg,
            days_supply=row.days_supply,
            quantity=row.quantity,
            quantity_unit=row.quantity_unit,
            beyond_use_date=row.beyond_use_date,
            price_total=row.price_total,
            received_at=row.created_at,
            hard_stops=alerts.get((row.id, "hard_stop"), 0),
            cautions=alerts.get((row.id, "caution"), 0),
            overridden=alerts.get((row.id, "overridden"), 0),
            qc_failed=row.qc_passed is False,
        )
        for row in (by_id[i] for i in ids)
    ]
