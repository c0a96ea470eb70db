"""The order page: the prescription as sent, alerts, worksheet, record, price, audit trail,
and the prescription's course: its fills, the refills left, and the next refill.

Opening it is access to patient data and is audited (`services.order_view`). The page
offers only the actions the signed-in role may take in the order's state; each action
checks both again when it is posted.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import current_app, g, render_template

from pharmacy.clock import pharmacy_today
from pharmacy.domain.beyond_use import supply_outlasts_bud
from pharmacy.domain.compounding_record import Plan
from pharmacy.domain.workflow import Action, Status, roles_for
from pharmacy.extensions import database
from pharmacy.services import ServiceError
from pharmacy.services.counter import printing
from pharmacy.services.counter.actions import allowed_actions
from pharmacy.services.counter.changes import flag, setting
from pharmacy.services.reads import order_view
from pharmacy.services.reads.formulary import ingredient_names

from . import blueprint
from .roles import EVERYONE, PRINTERS, allow, role, staff

QC_SAMPLE_SIZE = 10  # capsule weight boxes on the compounding form
STOCKS = {"label": "thermal-4x2", "receipt": "receipt-letter"}


def _setting(key: str, default: Any) -> Any:
    try:
        return setting(database.session, key)
    except KeyError:
        return default


def compounding_defaults(worksheet: dict[str, Any] | None) -> dict[str, Any]:
    """What the compounding form starts with: one row per lot the worksheet picked, the
    lot filled in, counted items filled in, weights and volumes left to be measured."""
    if not worksheet:
        return {"rows": []}
    plan = Plan.from_worksheet(worksheet)
    rows = []
    for use in plan.planned:
        unit = plan.units[use.ingredient_code]
        rows.append(
            {
                "ingredient_code": use.ingredient_code,
                "unit": unit,
                "lot_number": use.lot_number,
                "planned": use.amount,
                "amount": str(use.amount) if unit == "each" else "",
            }
        )
    return {
        "rows": rows,
        "quantity_made": "",
        "batch_quantity": plan.batch_quantity,
        "fill_weight_mg": plan.fill_weight_mg,
        "capsule_weights": [""] * QC_SAMPLE_SIZE,
        "final_volume_ml": "",
        "deviations": "",
    }


def render_order(
    rx_number: int,
    *,
    status: int = 200,
    error: ServiceError | None = None,
    form: dict[str, Any] | None = None,
    open_form: str | None = None,
):
    """The order page; after a refused form, with the refusal and what was entered."""
    today = pharmacy_today(current_app.config)
    seen = order_view.view_order(
        database.session,
        rx_number,
        actor=staff().actor,
        request_id=g.get("request_id"),
        today=today,
    )
    prescription = seen.prescription
    worksheet = prescription.worksheet.data if prescription.worksheet else None
    actions = allowed_actions(
        staff(),
        prescription,
        seen.compounded_by,
        verifier_may_be_compounder=flag(_setting("verifier_may_be_compounder", False)),
    )
    printable = Status(prescription.status) in printing.PRINTABLE and role() in PRINTERS
    names = ingredient_names(database.session)
    page = render_template(
        "dashboard/order.html",
        seen=seen,
        rx=prescription,
        sent=prescription.as_sent,
        worksheet=worksheet,
        actions=actions,
        printable=printable,
        names=names,
        error=error,
        form=form or compounding_defaults(worksheet),
        open_form=open_form,
        course=seen.course,
        # Automatic refills are switched by those who may start a refill by hand.
        may_switch_auto_refill=role() in roles_for(Action.REFILL),
        today=today,
        # Handed over today, the supply would run past the use-by date (domain §10).
        short_supply=prescription.beyond_use_date is not None
        and supply_outlasts_bud(today, prescription.part_days, prescription.beyond_use_date),
        tolerance=Decimal(str(_setting("capsule_weight_tolerance_percent", "10"))),
        volume_tolerance=Decimal(str(_setting("liquid_volume_tolerance_percent", "2"))),
    )
    return page, status


@blueprint.get("/orders/<int(max=2147483647):rx_number>")
@allow(*EVERYONE)
def order(rx_number: int):
    return render_order(rx_number)
