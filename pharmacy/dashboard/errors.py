"""Refusals and failures as pages a person can act on, never a stack trace.

A refusal by role is 403, by state 409, bad input 422, an unknown order 404, a form
without its CSRF token 400. The page says why and links back; it shows no patient data,
so it writes nothing (a refused action changes nothing, not even the audit trail).

Nothing here ends the transaction: a service refuses inside its unit of work, which
rolls back, and whatever a failed request left unfinished is rolled back when its
session is closed at the end of the request (`pharmacy.extensions`).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from pharmacy.database import UNAVAILABLE
from pharmacy.services import Conflict, Invalid, NotFound, ServiceError
from pharmacy.services.counter.actions import Forbidden

from . import blueprint

log = logging.getLogger("pharmacy.dashboard")

TITLES = {
    400: "The form could not be accepted",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed this way",
    409: "Not possible now",
    422: "Please check what was entered",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "The database is unavailable",
}


def status_of(error: ServiceError) -> int:
    if isinstance(error, Forbidden):
        return 403
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    return 422


def came_from() -> str | None:
    """The page of this site the request came from, to link back to."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host or not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def error_page(status: int, message: str, *, back: str | None = None):
    page = render_template(
        "dashboard/error.html",
        status=status,
        title=TITLES.get(status, "Refused"),
        message=message,
        back=back or came_from(),
        bare=status >= 500,
    )
    return page, status


@blueprint.app_template_global()
def problems_by_field(error: object = None) -> dict[str, list[str]]:
    """The messages of a refused form, by the field they are about."""
    found: dict[str, list[str]] = {}
    if not isinstance(error, Invalid):
        return found
    for problem in error.problems:
        found.setdefault(problem.field, []).append(problem.message)
    return found


@blueprint.errorhandler(CSRFError)
def _csrf(error: CSRFError):
    return error_page(
        400,
        "The form was missing its security token, or it expired. Reload the page and try again.",
    )


@blueprint.errorhandler(ServiceError)
def _refused(error: ServiceError):
    return error_page(status_of(error), error.message)


@blueprint.errorhandler(HTTPException)
def _http(error: HTTPException):
    return error_page(error.code or 500, error.description or error.name)


def _database_down(error: Exception):
    log.error("database unavailable", extra={"request_id": g.get("request_id")})
    page, status = error_page(503, "The pharmacy's database is unavailable. Try again shortly.")
    return page, status, {"Retry-After": "5"}


for _away in UNAVAILABLE:  # the database, or the network to it, is away for a moment
    blueprint.register_error_handler(_away, _database_down)


@blueprint.errorhandler(Exception)
def _unexpected(error: Exception):
    log.exception("unexpected error", extra={"request_id": g.get("request_id")})
    return error_page(
        500,
        f"The dashboard failed. Quote this reference to support: {g.get('request_id', '')}",
    )
