"""Clinics' webhooks, for admins: every live endpoint with how its deliveries stand, and
the deliveries that failed after a day of retries, each with a button to send it again
(once the clinic says its server is back). Clinics register endpoints through the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, flash, redirect, render_template, url_for

from pharmacy.extensions import database
from pharmacy.services import ServiceError
from pharmacy.services.webhooks import admin as webhooks

from . import blueprint
from .errors import status_of
from .roles import ADMINS, allow, staff

ID = "<int(max=9223372036854775807):delivery_id>"


def _page(status: int = 200, **context: Any):
    session = database.session
    page = render_template(
        "dashboard/admin/webhooks.html",
        endpoints=webhooks.endpoints(session),
        failed=webhooks.failed(session),
        shown_at_most=webhooks.FAILED_SHOWN,
        **context,
    )
    return page, status


@blueprint.get("/admin/webhooks")
@allow(*ADMINS)
def admin_webhooks():
    return _page()


@blueprint.post("/admin/webhooks/deliveries/" + ID + "/resend")
@allow(*ADMINS, doing="send a webhook again")
def admin_resend_webhook(delivery_id: int):
    retry_for = timedelta(seconds=float(current_app.config["WEBHOOK_RETRY_FOR_S"]))
    try:
        rx_number = webhooks.resend(
            database.session, staff().actor, delivery_id, retry_for=retry_for
        )
    except ServiceError as error:
        return _page(status_of(error), error=error)
    flash(
        f"Delivery {delivery_id} (Rx {rx_number}) will be sent again within seconds, "
        "and retried as before if the clinic's server still refuses it.",
        "success",
    )
    return redirect(url_for("dashboard.admin_webhooks"), code=303)
