"""The pharmacy staff's web app: the work queue, orders, actions, admin and audit pages.

Server-rendered with Jinja; htmx (vendored in static/, no CDN) refreshes the queue as
one searches. Every page needs a login (`auth`), every view names the roles it allows
(`roles`), every form carries a CSRF token (Flask-WTF; the prescriber API is exempt: it
takes API keys, not cookies). Views call services and render; the rules live in the
services and the domain.

Static: htmx 2.0.11 (`npm pack htmx.org@2.0.11`, dist/htmx.min.js), 0BSD licence,
copied as static/htmx.LICENSE.txt. Its history cache is off (base.html), so no page
with patient names is copied into the browser's localStorage.
"""

from __future__ import annotations

import re

from flask import Blueprint, Flask, abort, request

from pharmacy.extensions import csrf, login_manager

blueprint = Blueprint(
    "dashboard",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",  # the app keeps /static for itself
)


# Scripts, styles and everything else from this site only; no inline script or style, no
# framing, forms posted only here.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


# What no form field or search may hold: control characters other than tab and line
# breaks (a NUL cannot even be stored by PostgreSQL).
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@blueprint.before_request
def _refuse_control_characters():
    for values in (request.args, request.form):
        if any(_UNSTORABLE.search(value) for _, value in values.items(multi=True)):
            abort(400, description=CONTROL_CHARACTER)


CONTROL_CHARACTER = (
    "A field contains a control character (such as a NUL), which cannot be stored. "
    "Remove it and try again."
)


@blueprint.after_request
def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # The search is in the address (it may be a name): never send it to another site.
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "dashboard.static":
        headers.setdefault("Cache-Control", "no-store")  # pages with patient data
    return response


def init_app(app: Flask) -> None:
    from pharmacy.api import blueprint as api

    login_manager.init_app(app)
    csrf.init_app(app)
    csrf.exempt(api)
    app.register_blueprint(blueprint)


from . import actions, admin, audit, auth, errors, filters, orders, queue, renewals  # noqa: E402,F401
from .counter import payments_report  # noqa: E402,F401  (payments, shipping, the day's report)
from .patients import patient  # noqa: E402,F401  (registers the patient's page)
from .recall import lot_recall_page  # noqa: E402,F401  (batch records, recalls, stock)
from .webhooks import admin_webhooks  # noqa: E402,F401  (registers the webhooks page)
