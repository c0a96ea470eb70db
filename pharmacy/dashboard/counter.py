"""The counter: taking payment, refunds and voids, a pharmacist's waiver, mailing a fill
with its packing slip, and the day's payments report.

As every action: one form post, one service call; the service checks the role and the
order's state again. Bad input comes back on the order page with what was typed (422);
a success redirects to the order page (303).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from pharmacy.clock import pharmacy_today
from pharmacy.domain.workflow import Action
from pharmacy.extensions import database
from pharmacy.services import Invalid
from pharmacy.services.counter import payments, shipping
from pharmacy.services.counter.counseling import Offer
from pharmacy.services.reads import compounding as bench
from pharmacy.services.reads import payments as money

from . import blueprint
from .orders import compounding_defaults, render_order
from .roles import AUDITORS, PHARMACY_STAFF, PRINTERS, allow, allow_action, staff

RX = "/orders/<int(max=2147483647):rx_number>"
PAYMENT_FIELDS = ("method", "amount", "card_last4", "reference")
PARCEL_FIELDS = ("carrier", "tracking_number", "shipped_on", "transit_days", "ship_to")
ADDRESS_LINES = ("address_line1", "address_line2", "address_city_line")


@blueprint.app_template_global("counter_of")
def counter_of(prescription) -> money.CounterView:
    """The fill in progress's payments, parcel and counseling, for the order page."""
    return money.counter_view(database.session, prescription)


@blueprint.app_template_global("payment_methods")
def payment_methods() -> dict[str, str]:
    return money.METHODS


@blueprint.app_template_global("carriers")
def carriers() -> dict[str, int]:
    return dict(current_app.config["SHIPPING_CARRIERS"])


@blueprint.app_template_global("address_on_record")
def address_on_record(prescription) -> tuple[str, ...]:
    return shipping.address_on_record(prescription)


def offer_from(form) -> Offer | None:
    """The counseling offer as the hand-over form records it (None: not answered)."""
    answer = form.get("counseling")
    if not answer:
        return None
    return Offer(answer, form.get("counseled_by") or None, form.get("counseling_note", ""))


def _refused(rx_number: int, error: Invalid, open_form: str, typed: dict[str, Any]):
    """The order page again, with the refusal and what was typed."""
    shown = compounding_defaults(bench.worksheet_data(database.session, rx_number))
    return render_order(rx_number, status=422, error=error, form=shown | typed, open_form=open_form)


def _back(rx_number: int, message: str):
    flash(message, "success")
    return redirect(url_for("dashboard.order", rx_number=rx_number), code=303)


@blueprint.post(RX + "/payments")
@allow(*PHARMACY_STAFF, doing="take payments")
def take_payment(rx_number: int):
    typed = {name: request.form.get(name, "") for name in PAYMENT_FIELDS}
    tender = payments.Tender(**typed)
    try:
        taken = payments.take_payment(
            database.session,
            staff(),
            rx_number,
            tender,
            today=pharmacy_today(current_app.config),
            request_id=g.get("request_id"),
        )
    except Invalid as error:
        return _refused(rx_number, error, "payment", typed)
    return _back(rx_number, f"Payment of ${taken.amount} taken for Rx {rx_number}.")


@blueprint.post(RX + "/waive")
@allow("pharmacist", doing="waive payment")
def waive(rx_number: int):
    reason = request.form.get("reason", "")
    try:
        payments.waive(
            database.session,
            staff(),
            rx_number,
            reason,
            today=pharmacy_today(current_app.config),
            request_id=g.get("request_id"),
        )
    except Invalid as error:
        return _refused(rx_number, error, "waive", {"waive_reason": reason})
    return _back(rx_number, f"Payment waived for Rx {rx_number}.")


@blueprint.post(RX + "/payments/<int(max=2147483647):payment_id>/refund")
@allow(*PHARMACY_STAFF, doing="give refunds")
def refund(rx_number: int, payment_id: int):
    amount, reason = request.form.get("amount", ""), request.form.get("reason", "")
    try:
        given = payments.refund(
            database.session,
            staff(),
            payment_id,
            amount,
            reason,
            today=pharmacy_today(current_app.config),
            request_id=g.get("request_id"),
        )
    except Invalid as error:
        typed = {"refund_amount": amount, "refund_reason": reason, "refund_of": payment_id}
        return _refused(rx_number, error, "refund", typed)
    return _back(rx_number, f"Refund of ${given.amount} given on payment {payment_id}.")


@blueprint.post(RX + "/payments/<int(max=2147483647):payment_id>/void")
@allow(*PHARMACY_STAFF, doing="void payments")
def void(rx_number: int, payment_id: int):
    reason = request.form.get("reason", "")
    try:
        payments.void(database.session, staff(), payment_id, reason, request_id=g.get("request_id"))
    except Invalid as error:
        typed = {"void_reason": reason, "void_of": payment_id}
        return _refused(rx_number, error, "void", typed)
    return _back(rx_number, f"Payment {payment_id} voided.")


def _parcel(form) -> tuple[shipping.Parcel, dict[str, Any]]:
    """The parcel as typed, and the form's values to show again if it is refused."""
    typed = {name: form.get(name, "") for name in (*PARCEL_FIELDS, *ADDRESS_LINES)}
    try:
        shipped_on = date.fromisoformat(typed["shipped_on"])
    except ValueError:
        shipped_on = None  # the service names the field
    address = None
    if typed["ship_to"] == "other":
        address = tuple(typed[name] for name in ADDRESS_LINES)
    parcel = shipping.Parcel(
        carrier=typed["carrier"],
        tracking_number=typed["tracking_number"],
        shipped_on=shipped_on,
        transit_days=typed["transit_days"],
        address=address,
    )
    return parcel, typed


@blueprint.post(RX + "/ship")
@allow_action(Action.SHIP)
def ship(rx_number: int):
    """Mail the verified fill; a pharmacist may mail one whose supply would outlast its
    use-by date on arrival with a written reason (`short_supply_reason`)."""
    parcel, typed = _parcel(request.form)
    reason = request.form.get("short_supply_reason") or None
    typed |= {"short_supply_reason": reason or "", "counseling": request.form.get("counseling")}
    try:
        shipping.ship(
            database.session,
            staff(),
            rx_number,
            parcel,
            offer_from(request.form),
            today=pharmacy_today(current_app.config),
            carriers=current_app.config["SHIPPING_CARRIERS"],
            request_id=g.get("request_id"),
            short_supply_reason=reason,
        )
    except Invalid as error:
        return _refused(rx_number, error, Action.SHIP.value, typed)
    return _back(rx_number, f"Rx {rx_number} shipped.")


def _pdf(pdf: bytes, name: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@blueprint.post(RX + "/packing-slip")
@allow(*PRINTERS, doing="print packing slips")
def packing_slip(rx_number: int):
    pdf = shipping.print_packing_slip(
        database.session,
        staff().actor,
        rx_number,
        current_app.config,
        request_id=g.get("request_id"),
    )
    return _pdf(pdf, f"packing-slip-{rx_number}.pdf")


@blueprint.get("/payments")
@allow(*AUDITORS, doing="see the payments report")
def payments_report():
    """The day's payments by method, with refunds, that add up to the day's net."""
    today = pharmacy_today(current_app.config)
    asked = request.args.get("day", "")
    try:
        day = date.fromisoformat(asked) if asked else today
    except ValueError:
        day = today
        flash("The day must be written as 2026-12-03; today's payments are shown.", "error")
    report = money.daily_payments(database.session, day)
    return render_template("dashboard/payments.html", report=report, day=day, today=today)
