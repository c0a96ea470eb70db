"""Refills at the counter, for the tests of the staff's refill and the order page's
course: a course that fills walk through, the counter's calls, and everything a refill
could change, to prove a refused one changed nothing.

Orders are made and dispensed with the one order builder (`tests.support.orders.Orders`);
what is here only calls the counter's refill services and looks at what they wrote.
"""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import func, select

from pharmacy.extensions import database
from pharmacy.models import Fill, OutboxMessage, Prescription
from pharmacy.services.counter import refills
from pharmacy.services.counter.actions import Staff
from tests.support.orders import Orders

# 1.5 mg for the original fill, 3 mg for the first refill, 4.5 mg for the second: a
# titration that three 30-day fills walk through, one capsule of 1.5 mg per 1.5 mg.
COURSE = {
    "times_per_day": 1,
    "steps": [
        {"dose_mg": 1.5, "days": 30},
        {"dose_mg": 3, "days": 30},
        {"dose_mg": 4.5, "days": 30},
    ],
}


def course_order(orders: Orders, **changes: Any) -> int:
    """A received order of the 1.5 → 3 → 4.5 mg course, 30 days a fill, 2 refills."""
    return orders.submit(directions=COURSE, days_supply=30, refills=2, **changes)


def _staff(orders: Orders, who: str | Staff) -> Staff:
    return who if isinstance(who, Staff) else orders.staff[who]


def refill(
    orders: Orders, who: str | Staff, rx: int, *, today: date | None = None
) -> refills.Refilled:
    """The counter's refill of `rx` by `who`, as the dashboard calls it."""
    with orders.app.app_context():
        return refills.refill(
            database.session,
            _staff(orders, who),
            rx,
            today=orders.today if today is None else today,
            request_id="test-refill",
        )


def set_auto_refill(orders: Orders, who: str | Staff, rx: int, on: bool) -> bool:
    """Switch automatic refills of `rx` as `who`; returns what the prescription then has."""
    with orders.app.app_context():
        shown = refills.set_auto_refill(database.session, _staff(orders, who), rx, on)
        return shown.auto_refill


def auto_refill(orders: Orders, rx: int) -> bool:
    with orders.app.app_context():
        return database.session.scalar(
            select(Prescription.auto_refill).where(Prescription.id == rx)
        )


def fill_rows(orders: Orders, rx: int) -> list[tuple]:
    """Each fill of `rx`: number, which refill, who asked and how, and when dispensed."""
    with orders.app.app_context():
        return [
            tuple(row)
            for row in database.session.execute(
                select(
                    Fill.number,
                    Fill.refill,
                    Fill.requested_via,
                    Fill.requested_by,
                    Fill.status,
                    Fill.dispensed_on,
                )
                .where(Fill.prescription_id == rx)
                .order_by(Fill.number)
            )
        ]


def work_for(orders: Orders, rx: int) -> list[tuple[str, bool]]:
    """The messages that ask the worker to work `rx`: topic, and whether published."""
    with orders.app.app_context():
        messages = database.session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200)
        )
        return [
            (message.topic, message.published_at is not None)
            for message in messages
            if message.payload.get("prescription_id") == rx
        ]


def snapshot(orders: Orders, rx: int) -> dict[str, Any]:
    """Everything a refill of `rx` could change: what `Orders.state` covers, the
    prescription's fill counters and switch, its fills, and the outbox."""
    with orders.app.app_context():
        session = database.session
        row = session.execute(
            select(
                Prescription.current_fill,
                Prescription.current_refill,
                Prescription.refills_remaining,
                Prescription.auto_refill,
                Prescription.quantity,
                Prescription.beyond_use_date,
                Prescription.price_total,
            ).where(Prescription.id == rx)
        ).one()
        outbox = session.scalar(select(func.count()).select_from(OutboxMessage))
    return {
        **orders.state(rx),
        "prescription": tuple(row),
        "fills": fill_rows(orders, rx),
        "outbox": outbox,
    }


# --- the order page ------------------------------------------------------------------


class _Element(HTMLParser):
    """The text of the element with id `wanted`, and of each table row in it, cell by
    cell, as a person reads them on the page."""

    VOID = frozenset({"br", "input", "img", "hr", "meta", "link"})

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted = wanted
        self.depth = 0  # inside the element while > 0
        self.parts: list[str] = []
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            if self.depth and tag == "br":
                self._text(" ")
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.wanted:
            self.depth = 1
            return
        if not self.depth:
            return
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag in ("div", "p", "li", "dt", "dd", "h2", "h3"):
            self._text(" ")

    def handle_endtag(self, tag: str) -> None:
        if not self.depth or tag in self.VOID:
            return
        self.depth -= 1
        if tag in ("td", "th") and self.cell is not None and self.rows:
            self.rows[-1].append(_tidy("".join(self.cell)))
            self.cell = None
        self._text(" ")

    def handle_data(self, data: str) -> None:
        if self.depth:
            self._text(data)

    def _text(self, text: str) -> None:
        self.parts.append(text)
        if self.cell is not None:
            self.cell.append(text)


def _tidy(text: str) -> str:
    return " ".join(text.split())


def text_of(page: str, element_id: str) -> str:
    """What a person reads in the page's element `element_id`, spaces tidied."""
    parser = _Element(element_id)
    parser.feed(page)
    return _tidy("".join(parser.parts))


def rows_of(page: str, table_id: str) -> list[list[str]]:
    """The body rows of the page's table `table_id`, each a list of its cells' text."""
    parser = _Element(table_id)
    parser.feed(page)
    return parser.rows[1:]
