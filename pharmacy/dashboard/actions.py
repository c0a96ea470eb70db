"""Actions on an order: one form post, one service call, one transaction with its audit.

The route refuses a role the action does not allow (403) before reading anything; the
service checks the role again, and the state (409), under a lock, and changes nothing
when it refuses. Bad input (a missing reason, a weight out of range) comes back on the
order page with what was entered (422). A success redirects to the order page (303),
so a reload never posts twice.
"""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from flask import Response, current_app, flash, g, redirect, request, url_for

from pharmacy.clock import pharmacy_today
from pharmacy.domain.batch_record import StepTick
from pharmacy.domain.compounding_record import ComponentUse, CompoundingEntry
from pharmacy.domain.workflow import Action, roles_for
from pharmacy.extensions import database
from pharmacy.queue import queue
from pharmacy.services import Invalid
from pharmacy.services.counter import actions as act
from pharmacy.services.counter import printing, refills
from pharmacy.services.reads import compounding as bench
from pharmacy.services.records import outbox

from . import blueprint
from .counter import offer_from
from .errors import status_of
from .orders import STOCKS, compounding_defaults, render_order
from .roles import PRINTERS, allow, allow_action, staff

RX = "/orders/<int(max=2147483647):rx_number>"

DONE = {
    Action.OVERRIDE: "Hold overridden: Rx {rx} is ready to compound.",
    Action.REJECT: "Rx {rx} rejected.",
    Action.RECORD_COMPOUNDING: "Compounding recorded: Rx {rx} is waiting for verification.",
    Action.VERIFY: "Rx {rx} verified: it may be labelled and dispensed.",
    Action.DISPENSE: "Rx {rx} dispensed.",
    Action.CANCEL: "Rx {rx} cancelled.",
    Action.REFILL: "Refill started: Rx {rx} is received and will be worked as a new fill.",
    Action.ASK_PRESCRIBER: "Question sent: Rx {rx} waits for the prescriber's answer.",
    Action.SPLIT: "Fill split: Rx {rx} is worked again for its first part; the rest follows.",
}


def _done(action: Action, rx_number: int) -> Response:
    flash(DONE[action].format(rx=rx_number), "success")
    return redirect(url_for("dashboard.order", rx_number=rx_number), code=303)


def _with_reason(action: Action, rx_number: int, call) -> Response:
    reason = request.form.get("reason", "")
    try:
        call(database.session, staff(), rx_number, reason, request_id=g.get("request_id"))
    except Invalid as error:
        return render_order(
            rx_number, status=422, error=error, form={"reason": reason}, open_form=action.value
        )
    return _done(action, rx_number)


@blueprint.post(RX + "/override")
@allow_action(Action.OVERRIDE)
def override(rx_number: int):
    return _with_reason(Action.OVERRIDE, rx_number, act.override)


@blueprint.post(RX + "/reject")
@allow_action(Action.REJECT)
def reject(rx_number: int):
    return _with_reason(Action.REJECT, rx_number, act.reject)


@blueprint.post(RX + "/cancel")
@allow_action(Action.CANCEL)
def cancel(rx_number: int):
    return _with_reason(Action.CANCEL, rx_number, act.cancel)


@blueprint.post(RX + "/ask-prescriber")
@allow_action(Action.ASK_PRESCRIBER)
def ask_prescriber(rx_number: int):
    return _with_reason(Action.ASK_PRESCRIBER, rx_number, act.ask_prescriber)


@blueprint.post(RX + "/split")
@allow_action(Action.SPLIT)
def split(rx_number: int):
    """Split the fill at its beyond-use date: the first part is worked at once."""
    done = act.split(database.session, staff(), rx_number, request_id=g.get("request_id"))
    outbox.send_committed(database.session, queue.sender(current_app), done.work)
    return _done(Action.SPLIT, rx_number)


@blueprint.post(RX + "/verify")
@allow_action(Action.VERIFY)
def verify(rx_number: int):
    act.verify(database.session, staff(), rx_number, request_id=g.get("request_id"))
    return _done(Action.VERIFY, rx_number)


@blueprint.post(RX + "/dispense")
@allow_action(Action.DISPENSE)
def dispense(rx_number: int):
    """A pharmacist may hand over a fill whose use-by date comes before its supply ends
    with a written reason (`short_supply_reason`); without one it is refused. The offer
    to counsel is answered on the same form (`counter.offer_from`)."""
    reason = request.form.get("short_supply_reason") or None
    try:
        act.dispense(
            database.session,
            staff(),
            rx_number,
            today=pharmacy_today(current_app.config),
            request_id=g.get("request_id"),
            short_supply_reason=reason,
            counseling=offer_from(request.form),
        )
    except Invalid as error:
        return render_order(
            rx_number,
            status=422,
            error=error,
            form={"short_supply_reason": reason, "counseling": request.form.get("counseling")},
            open_form=Action.DISPENSE.value,
        )
    return _done(Action.DISPENSE, rx_number)


@blueprint.post(RX + "/refill")
@allow_action(Action.REFILL)
def refill(rx_number: int):
    """A patient called for a refill: the next fill starts, and the worker is asked to
    work it once it is committed. A refusal (too soon, none left, expired...) is shown
    with the contract's words and changes nothing."""
    started = refills.refill(
        database.session,
        staff(),
        rx_number,
        today=pharmacy_today(current_app.config),
        request_id=g.get("request_id"),
        sending_now=True,
    )
    outbox.send_committed(database.session, queue.sender(current_app), started.work)
    return _done(Action.REFILL, rx_number)


@blueprint.post(RX + "/auto-refill")
@allow(*roles_for(Action.REFILL), doing=refills.SWITCHING)
def auto_refill(rx_number: int):
    """Switch automatic refills on ("on" = "yes") or off, for those who may start one."""
    on = request.form.get("on") == "yes"
    refills.set_auto_refill(
        database.session, staff(), rx_number, on, request_id=g.get("request_id")
    )
    flash(f"Automatic refills switched {'on' if on else 'off'} for Rx {rx_number}.", "success")
    return redirect(url_for("dashboard.order", rx_number=rx_number), code=303)


def compounding_entry(form) -> tuple[CompoundingEntry, dict]:
    """The entry from the form, and the form's values to show again if it is refused.

    Numbers are passed on as typed: the domain says what is wrong with them, by field.
    """
    codes = form.getlist("ingredient_code")
    lots = form.getlist("lot_number")
    amounts = form.getlist("amount")
    components = tuple(
        ComponentUse(code, lot.strip(), amount.strip())
        for code, lot, amount in zip(codes, lots, amounts, strict=False)
        if code and (lot.strip() or amount.strip())
    )
    weights = [w.strip() for w in form.getlist("capsule_weight")]
    volume = form.get("final_volume_ml", "").strip()
    ticked = form.getlist("step")
    times = {step: form.get(f"step_at_{step}", "").strip() for step in ticked}
    entry = CompoundingEntry(
        compounded_on=pharmacy_today(current_app.config),
        components=components,
        quantity_made=form.get("quantity_made", "").strip(),
        capsule_weights_mg=tuple(w for w in weights if w),
        final_volume_ml=volume or None,
        deviations=form.get("deviations", ""),
        steps=tuple(StepTick(step, _time_of_day(times[step])) for step in ticked),
    )
    shown = {
        "rows": [
            {"ingredient_code": c, "lot_number": lot, "amount": amount, "unit": unit}
            for c, lot, amount, unit in zip(
                codes, lots, amounts, form.getlist("unit"), strict=False
            )
        ],
        "quantity_made": form.get("quantity_made", ""),
        "capsule_weights": weights,
        "final_volume_ml": volume,
        "deviations": form.get("deviations", ""),
        "steps": ticked,
        "step_times": times,
    }
    return entry, shown


def _time_of_day(text: str) -> time | str | None:
    """HH:MM as typed; anything else is passed on for the domain to name."""
    if not text:
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        return text


@blueprint.post(RX + "/compounding")
@allow_action(Action.RECORD_COMPOUNDING)
def record_compounding(rx_number: int):
    entry, shown = compounding_entry(request.form)
    try:
        act.record_compounding(
            database.session,
            staff(),
            rx_number,
            entry,
            request_id=g.get("request_id"),
            zone=ZoneInfo(str(current_app.config["PHARMACY_TIMEZONE"])),
        )
    except Invalid as error:
        defaults = compounding_defaults(bench.worksheet_data(database.session, rx_number))
        for row, default in zip(shown["rows"], defaults["rows"], strict=False):
            row["planned"] = default["planned"]
        shown |= {k: defaults[k] for k in ("batch_quantity", "fill_weight_mg")}
        return render_order(
            rx_number,
            status=status_of(error),  # 409 when the shelf cannot cover the batch
            error=error,
            form=shown,
            open_form=Action.RECORD_COMPOUNDING.value,
        )
    check = bench.quality_check(database.session, rx_number)
    if check is not None and not check.passed:
        # Said now, at the bench, not first at verification.
        flash(
            f"Rx {rx_number}: {check.summary}. "
            + (
                "The deviation note is recorded for the verifying pharmacist."
                if check.has_deviation_note
                else "Write a deviation note, or make the batch again: it will not be "
                "verified without one."
            ),
            "error",
        )
    return _done(Action.RECORD_COMPOUNDING, rx_number)


# --- printing --------------------------------------------------------------------------


def _pdf(pdf: bytes, name: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# The label form's choices: the stock, and whether the label is in large print.
LABEL_PRINTS = {
    "thermal-4x2": ("thermal-4x2", False),
    "thermal-4x3": ("thermal-4x3", False),
    "thermal-4x6": ("thermal-4x6", False),
    "large-print": ("thermal-4x6", True),
}


@blueprint.post(RX + "/label")
@allow(*PRINTERS, doing="print labels and receipts")
def print_label(rx_number: int):
    """The prescription label as a PDF download, initialled by the verifying pharmacist
    (or with a blank to initial by hand before verification); the print is audited."""
    stock, large_print = LABEL_PRINTS.get(request.form.get("stock", ""), (STOCKS["label"], False))
    pdf = printing.print_label(
        database.session,
        staff().actor,
        str(rx_number),
        current_app.config,
        pharmacy_today(current_app.config),
        stock=stock,
        large_print=large_print,
        request_id=g.get("request_id"),
    )
    return _pdf(pdf, f"label-{rx_number}.pdf")


@blueprint.post(RX + "/patient-papers")
@allow(*PRINTERS, doing="print labels and receipts")
def print_patient_papers(rx_number: int):
    """The information sheet and wallet card, in the patient's language; audited."""
    pdf = printing.print_patient_papers(
        database.session,
        staff().actor,
        str(rx_number),
        current_app.config,
        pharmacy_today(current_app.config),
        request_id=g.get("request_id"),
    )
    return _pdf(pdf, f"patient-papers-{rx_number}.pdf")


@blueprint.post(RX + "/receipt")
@allow(*PRINTERS, doing="print labels and receipts")
def print_receipt(rx_number: int):
    pdf = printing.print_receipt(
        database.session,
        staff().actor,
        str(rx_number),
        current_app.config,
        pharmacy_today(current_app.config),
        stock=STOCKS["receipt"],
        request_id=g.get("request_id"),
    )
    return _pdf(pdf, f"receipt-{rx_number}.pdf")
