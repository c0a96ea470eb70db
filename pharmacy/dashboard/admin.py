"""Administration: staff accounts, clinics and API keys, formula and price list versions,
ingredient lots. Admins only.

Nothing is edited in place or deleted: accounts are deactivated, keys revoked, formulas
and price lists get new versions, lots are quarantined or released. A new API key is
shown once, in the page answering its creation (never in a redirect or a flash message,
which would keep it in the session cookie), and the page is not cached.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from pharmacy.clock import pharmacy_today
from pharmacy.extensions import database
from pharmacy.services import ServiceError
from pharmacy.services.admin import accounts, clinics, formulary, lots, stock
from pharmacy.services.admin.formulary import DOSAGE_FORMS
from pharmacy.services.admin.lots import LotReceipt
from pharmacy.services.admin.refusals import refused
from pharmacy.services.reads import clinics as clinics_read
from pharmacy.services.reads import formulary as formulary_read
from pharmacy.services.reads import lots as lots_read
from pharmacy.services.reads import stock as stock_read
from pharmacy.services.reads.staff_accounts import staff_accounts

from . import blueprint
from .errors import status_of
from .roles import ADMINS, EVERYONE, allow, staff

ID = "<int(max=2147483647):{}>"


def _today() -> date:
    return pharmacy_today(current_app.config)


def _page(template: str, status: int = 200, **context: Any):
    return render_template(f"dashboard/admin/{template}", **context), status


def _refused(error: ServiceError) -> dict[str, Any]:
    return {"error": error, "status": status_of(error)}


# --- users ----------------------------------------------------------------------------------


@blueprint.get("/admin")
@allow(*ADMINS)
def admin_home():
    return redirect(url_for("dashboard.admin_users"))


def _users_page(status: int = 200, **context: Any):
    users = staff_accounts(database.session)
    return _page("users.html", status, users=users, roles=EVERYONE, **context)


@blueprint.get("/admin/users")
@allow(*ADMINS)
def admin_users():
    return _users_page()


@blueprint.post("/admin/users")
@allow(*ADMINS)
def admin_add_user():
    form = request.form
    try:
        user = accounts.add_user(
            database.session,
            staff().actor,
            username=form.get("username", ""),
            full_name=form.get("full_name", ""),
            role=form.get("role", ""),
            password=form.get("password", ""),
        )
    except ServiceError as error:
        entered = {k: form.get(k, "") for k in ("username", "full_name", "role")}
        return _users_page(status_of(error), error=error, entered=entered)
    flash(f"Account {user.username} created ({user.role}).", "success")
    return redirect(url_for("dashboard.admin_users"), code=303)


@blueprint.post("/admin/users/" + ID.format("user_id") + "/<any(deactivate, reactivate):change>")
@allow(*ADMINS)
def admin_user_active(user_id: int, change: str):
    try:
        user = accounts.set_user_active(
            database.session, staff().actor, user_id, active=change == "reactivate"
        )
    except ServiceError as error:
        return _users_page(status_of(error), error=error)
    flash(f"Account {user.username} {change}d.", "success")
    return redirect(url_for("dashboard.admin_users"), code=303)


# --- clinics and API keys -------------------------------------------------------------------


def _clinics_page(status: int = 200, **context: Any):
    shown = clinics_read.clinics_with_keys(database.session)
    response = current_app.make_response(_page("clinics.html", status, clinics=shown, **context))
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/admin/clinics")
@allow(*ADMINS)
def admin_clinics():
    return _clinics_page()


@blueprint.post("/admin/clinics")
@allow(*ADMINS)
def admin_add_clinic():
    try:
        clinic = clinics.add_clinic(database.session, staff().actor, request.form.get("name", ""))
    except ServiceError as error:
        return _clinics_page(status_of(error), error=error, entered=request.form.get("name", ""))
    flash(f"Clinic {clinic.name} added. Create its API key below.", "success")
    return redirect(url_for("dashboard.admin_clinics"), code=303)


@blueprint.post("/admin/clinics/" + ID.format("clinic_id") + "/keys")
@allow(*ADMINS)
def admin_issue_key(clinic_id: int):
    try:
        issued = clinics.issue_api_key(database.session, staff().actor, clinic_id)
    except ServiceError as error:
        return _clinics_page(status_of(error), error=error)
    return _clinics_page(new_key=issued.plaintext, new_key_clinic=issued.clinic_name)


@blueprint.post("/admin/keys/" + ID.format("key_id") + "/revoke")
@allow(*ADMINS)
def admin_revoke_key(key_id: int):
    try:
        key = clinics.revoke_api_key(database.session, staff().actor, key_id)
    except ServiceError as error:
        return _clinics_page(status_of(error), error=error)
    flash(f"API key {key.prefix}… revoked: requests with it are refused from now on.", "success")
    return redirect(url_for("dashboard.admin_clinics"), code=303)


# --- formulas ---------------------------------------------------------------------------------


def _formulas_page(status: int = 200, **context: Any):
    by_form = formulary_read.formula_versions(database.session)
    drafts = context.pop("drafts", {})
    for form, versions in by_form.items():
        if form not in drafts and versions:
            drafts[form] = {
                "name": versions[0].name,
                "formula": json.dumps(versions[0].formula, indent=2, ensure_ascii=False),
            }
    return _page("formulas.html", status, by_form=by_form, drafts=drafts, **context)


@blueprint.get("/admin/formulas")
@allow(*ADMINS)
def admin_formulas():
    return _formulas_page()


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        return error


@blueprint.post("/admin/formulas/<any(" + ", ".join(DOSAGE_FORMS) + "):dosage_form>")
@allow(*ADMINS)
def admin_new_formula(dosage_form: str):
    name, text = request.form.get("name", ""), request.form.get("formula", "")
    parsed = _json(text)
    try:
        if isinstance(parsed, ValueError):
            raise refused(("formula", f"is not valid JSON: {parsed}"))
        record = formulary.new_formula_version(
            database.session,
            staff().actor,
            dosage_form,
            name=name,
            formula=parsed,
            today=_today(),
        )
    except ServiceError as error:
        return _formulas_page(
            status_of(error),
            error=error,
            error_form=dosage_form,
            drafts={dosage_form: {"name": name, "formula": text}},
        )
    flash(
        f"{record.name}: version {record.version} saved. Orders worked from now on use it.",
        "success",
    )
    return redirect(url_for("dashboard.admin_formulas"), code=303)


# --- price lists ------------------------------------------------------------------------------


def _prices_page(status: int = 200, **context: Any):
    shown = formulary_read.price_lists(database.session, _today())
    if "draft" not in context and shown.versions:
        context["draft"] = json.dumps(shown.versions[0].prices, indent=2, ensure_ascii=False)
    return _page("prices.html", status, versions=shown.versions, trials=shown.trials, **context)


@blueprint.get("/admin/prices")
@allow(*ADMINS)
def admin_prices():
    return _prices_page()


@blueprint.post("/admin/prices")
@allow(*ADMINS)
def admin_new_prices():
    text = request.form.get("prices", "")
    parsed = _json(text)
    try:
        if isinstance(parsed, ValueError):
            raise refused(("prices", f"is not valid JSON: {parsed}"))
        price_list = formulary.new_price_list_version(
            database.session, staff().actor, parsed, today=_today()
        )
    except ServiceError as error:
        return _prices_page(status_of(error), error=error, draft=text)
    flash(
        f"Price list version {price_list.version} saved. Orders priced from now on use it; "
        "orders already priced keep theirs.",
        "success",
    )
    return redirect(url_for("dashboard.admin_prices"), code=303)


# --- lots ---------------------------------------------------------------------------------------


def _lots_page(status: int = 200, **context: Any):
    return _page(
        "lots.html",
        status,
        lots=lots_read.lots_on_record(database.session),
        ingredients=lots_read.ingredients(database.session),
        today=_today(),
        digest=stock_read.stock_digest(database.session, _today()),
        stock=stock_read.ingredient_stock(database.session),
        **context,
    )


@blueprint.get("/admin/lots")
@allow(*ADMINS)
def admin_lots():
    return _lots_page()


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


@blueprint.post("/admin/lots")
@allow(*ADMINS)
def admin_receive_lot():
    form = request.form
    receipt = LotReceipt(
        ingredient_code=form.get("ingredient_code", ""),
        lot_number=form.get("lot_number", ""),
        vendor=form.get("vendor", ""),
        expires_on=_date(form.get("expires_on", "")),
        received_on=_date(form.get("received_on", "")),
        quantity=form.get("quantity", ""),
        form=form.get("form", ""),
        molecular_weight=form.get("molecular_weight", ""),
        assay_percent=form.get("assay_percent", ""),
        water_percent=form.get("water_percent", ""),
        assay_basis=form.get("assay_basis", "as_is"),
        coa_number=form.get("coa_number", ""),
    )
    try:
        lot = lots.receive_lot(database.session, staff().actor, receipt, today=_today())
    except ServiceError as error:
        return _lots_page(status_of(error), error=error, entered=form.to_dict())
    flash(f"Lot {lot.lot_number} received.", "success")
    return redirect(url_for("dashboard.admin_lots"), code=303)


@blueprint.post("/admin/lots/" + ID.format("lot_id") + "/<any(quarantine, release):change>")
@allow(*ADMINS)
def admin_lot_quarantine(lot_id: int, change: str):
    try:
        lot = lots.set_quarantine(
            database.session,
            staff().actor,
            lot_id,
            quarantined=change == "quarantine",
            reason=request.form.get("reason", ""),
        )
    except ServiceError as error:
        return _lots_page(status_of(error), error=error, error_lot=lot_id)
    done = "quarantined: it will not be used" if lot.quarantined else "released for use"
    flash(f"Lot {lot.lot_number} {done}.", "success")
    return redirect(url_for("dashboard.admin_lots"), code=303)


@blueprint.post("/admin/ingredients/<code>/reorder-point")
@allow(*ADMINS)
def admin_reorder_point(code: str):
    """Set or clear (empty) an ingredient's reorder point, for the stock digest."""
    try:
        ingredient = stock.set_reorder_point(
            database.session, staff().actor, code, request.form.get("reorder_point", "")
        )
    except ServiceError as error:
        return _lots_page(status_of(error), error=error, error_ingredient=code)
    point = ingredient.reorder_point
    done = f"set to {point} {ingredient.unit}" if point is not None else "cleared"
    flash(f"{ingredient.name}: reorder point {done}.", "success")
    return redirect(url_for("dashboard.admin_lots"), code=303)
