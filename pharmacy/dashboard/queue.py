"""The work queue: counts per status, search by Rx number, name or day, alerts first.

With htmx, typing in the search box or picking a tab swaps only the results (and keeps
the address bar in step); without JavaScript the same form and links load the page.
Besides the statuses, two tabs are the technician's work ahead: "Refills due" lists the
prescriptions to refill before their patients run out (`AUTO_REFILL_LEAD_DAYS` ahead),
and "Renewals" counts the requests waiting for a prescriber and links to their page.

The search text may be a patient's name: it is in the query string, which no log of
ours records (the access log and the JSON request log keep the path only).
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app, g, render_template, request

from pharmacy.clock import pharmacy_today
from pharmacy.extensions import database
from pharmacy.services.reads import refills_due, stock, work_queue
from pharmacy.services.reads.refills_due import DueCursor
from pharmacy.services.reads.work_queue import VIEWS, Cursor, Search

from . import blueprint
from .roles import AUDITORS, EVERYONE, PHARMACY_STAFF, allow, role, staff

TABS = ("open", "on_hold", "awaiting_prescriber", "ready", "compounded", "verified", "received")
CLOSED_TABS = ("dispensed", "shipped", "rejected", "cancelled", "all")
MAX_QUERY_CHARS = 100


def parse_search(query: str, day: str) -> tuple[Search, list[str]]:
    """The search from the form's two fields, and what could not be understood."""
    problems = []
    query = " ".join(query.split())[:MAX_QUERY_CHARS]
    rx_number = None
    name = ""
    if query.isascii() and query.isdigit():
        if len(query) <= 12:
            rx_number = int(query)
        else:
            problems.append("An Rx number has at most 12 digits.")
    else:
        name = query
    received_on = None
    if day:
        try:
            received_on = date.fromisoformat(day)
        except ValueError:
            problems.append("The date must be a day such as 2026-11-21.")
    return Search(rx_number=rx_number, name=name, received_on=received_on), problems


@blueprint.get("/")
@allow(*EVERYONE)
def queue():
    args = request.args
    query, day = args.get("q", ""), args.get("date", "")
    search, problems = parse_search(query, day)
    view = args.get("view") or ("all" if search.narrowed else "open")
    if view not in VIEWS and view != refills_due.VIEW:
        view = "open"
    config = current_app.config
    timezone = str(config["PHARMACY_TIMEZONE"])
    today = pharmacy_today(config)
    session = database.session
    lead_days = int(config["AUTO_REFILL_LEAD_DAYS"])
    due = None
    if view == refills_due.VIEW:
        due = refills_due.list_due(
            session,
            today=today,
            lead_days=lead_days,
            search=search,
            timezone=timezone,
            after=DueCursor.parse(args.get("after")),
            per_page=int(config["QUEUE_PAGE_SIZE"]),
            actor=staff().actor,
            request_id=g.get("request_id"),
        )
        page = work_queue.QueuePage(
            view=view,
            rows=(),
            counts=work_queue.counts(session, search=search, timezone=timezone),
            next_cursor=None,
            previous_cursor=None,
        )
        due_count = due.count
    else:
        page = work_queue.list_queue(
            session,
            view=view,
            search=search,
            timezone=timezone,
            after=Cursor.parse(args.get("after")),
            before=Cursor.parse(args.get("before")),
            per_page=int(config["QUEUE_PAGE_SIZE"]),
            actor=staff().actor,
            request_id=g.get("request_id"),
        )
        # Counted on its own tab only: over a long history the count reads every
        # dispensed fill, which the queue's first page must not wait for.
        due_count = None
    renews = role() in PHARMACY_STAFF  # the Renewals page is theirs
    context = {
        "page": page,
        "due": due,
        "due_count": due_count,
        "renewals_count": work_queue.renewals_pending(session) if renews else None,
        # Lots running out of date and ingredients running short (the stock digest).
        "stock": stock.stock_digest(session, today) if role() in AUDITORS else None,
        "query": query,
        "day": day,
        "view": view,
        "problems": problems,
        "tabs": TABS,
        "closed_tabs": CLOSED_TABS,
        "today": today,
        "due_by": today + timedelta(days=lead_days),  # the lead: made in time
        "paged": bool(args.get("after") or args.get("before")),
    }
    partial = request.headers.get("HX-Request") and request.headers.get("HX-Target") == "queue"
    template = "dashboard/_queue_results.html" if partial else "dashboard/queue.html"
    response = current_app.make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response
