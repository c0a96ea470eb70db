"""How numbers, dates and states read on the pages."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app

from pharmacy.domain.labeling import directions_lines, drug_description
from pharmacy.domain.prescription import DirectionStep

from . import blueprint

STATUS_LABELS = {
    "received": "Received",
    "on_hold": "On hold",
    "awaiting_prescriber": "Awaiting prescriber",
    "replaced": "Replaced by the answer",
    "split": "Split",
    "ready": "Ready",
    "compounded": "Compounded",
    "verified": "Verified",
    "dispensed": "Dispensed",
    "shipped": "Shipped",
    "rejected": "Rejected",
    "cancelled": "Cancelled",
    "open": "Open",
    "all": "All",
}
ACTION_LABELS = {
    "override": "Override hold",
    "reject": "Reject",
    "ask_prescriber": "Ask the prescriber",
    "split": "Split the fill",
    "record_compounding": "Record compounding",
    "verify": "Verify",
    "dispense": "Dispense",
    "ship": "Ship",
    "cancel": "Cancel order",
}
ROLE_LABELS = {
    "technician": "Technician",
    "pharmacist": "Pharmacist",
    "admin": "Administrator",
}


@blueprint.app_template_filter("status_label")
def status_label(status: str) -> str:
    return STATUS_LABELS.get(str(status), str(status).replace("_", " ").capitalize())


@blueprint.app_template_filter("action_label")
def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action.replace("_", " ").capitalize())


@blueprint.app_template_filter("role_label")
def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


@blueprint.app_template_filter("money")
def money(value: Decimal | str | None) -> str:
    if value is None or value == "":
        return "—"
    return f"${Decimal(str(value)):,.2f}"


@blueprint.app_template_filter("local")
def local(moment: datetime | None, style: str = "minute") -> str:
    """A UTC moment in the pharmacy's time zone."""
    if moment is None:
        return "—"
    zone = ZoneInfo(str(current_app.config["PHARMACY_TIMEZONE"]))
    shown = moment.astimezone(zone)
    if style == "second":
        return shown.strftime("%Y-%m-%d %H:%M:%S")
    if style == "day":
        return shown.strftime("%Y-%m-%d")
    return shown.strftime("%Y-%m-%d %H:%M")


@blueprint.app_template_filter("day")
def day(value: date | str | None) -> str:
    if not value:
        return "—"
    return value.isoformat() if isinstance(value, date) else str(value)


@blueprint.app_template_filter("drug")
def drug(prescription_or_row) -> str:
    return drug_description(prescription_or_row.dosage_form, prescription_or_row.strength_mg)


@blueprint.app_template_filter("number")
def number(value: Decimal | str | int | None) -> str:
    """A stored number as stored: '48.00' stays '48.00' (every digit was computed)."""
    return "—" if value is None or value == "" else str(value)


@blueprint.app_template_filter("ingredient")
def ingredient(code: str) -> str:
    return code.replace("_", " ")


@blueprint.app_template_filter("directions")
def directions(prescription) -> list[str]:
    """The label's explicit directions, one line per step."""
    steps = [DirectionStep(step.dose_mg, step.days) for step in prescription.steps]
    return directions_lines(
        prescription.dosage_form, prescription.strength_mg, steps, prescription.times_per_day
    )


@blueprint.app_template_filter("quantity")
def quantity(value: Decimal | None, unit: str | None) -> str:
    """'30 capsules', '135.0 mL'."""
    if value is None:
        return "—"
    if unit == "capsule":
        count = int(value)
        return f"{count} capsule{'s' if count != 1 else ''}"
    return f"{value} {unit or ''}".strip()


@blueprint.app_template_filter("strength")
def strength(prescription_or_row) -> str:
    """'1.5 mg capsules' or '1 mg/mL oral liquid': every order is naltrexone."""
    amount = f"{Decimal(prescription_or_row.strength_mg).normalize():f}"
    if prescription_or_row.dosage_form == "capsule":
        return f"{amount} mg capsules"
    return f"{amount} mg/mL oral liquid"


FIELD_LABELS = {
    "quantity_made": "Quantity made",
    "final_volume_ml": "Final volume",
    "capsule_weights_mg": "Capsule weights",
    "deviations": "Deviations",
    "reason": "Reason",
    "components": "Ingredients",
    "compounded_on": "Compounding day",
}
FIELD = re.compile(r"(components|capsule_weights_mg)\[(\d+)\](?:\.(\w+))?")


@blueprint.app_template_global()
def field_label(field: str, rows=(), names=None) -> str:
    """A refused field as the form names it: 'components[0].amount' -> 'Naltrexone
    hydrochloride USP: amount', 'capsule_weights_mg[2]' -> 'Capsule 3 weight'."""
    found = FIELD.fullmatch(field)
    if not found:
        return FIELD_LABELS.get(field, field.replace("_", " ").capitalize())
    kind, index, part = found.group(1), int(found.group(2)), found.group(3)
    if kind == "capsule_weights_mg":
        return f"Capsule {index + 1} weight"
    code = rows[index]["ingredient_code"] if index < len(rows) else f"ingredient {index + 1}"
    name = (names or {}).get(code, code)
    return f"{name}: {(part or 'entry').replace('_', ' ')}"


# Who did something, as the trail stores it ("user:pat", "system:system", "clinic:X").
_WHO = {"user": "{}", "clinic": "clinic {}", "system": "the service"}


@blueprint.app_template_filter("who")
def who(actor: str | None) -> str:
    if not actor:
        return "—"
    kind, _, name = actor.partition(":")
    return _WHO.get(kind, "{}").format(name or kind)


@blueprint.app_template_filter("details")
def details(detail: dict | None) -> str:
    """An audit event's details as a person reads them: "from status: ready; alerts:
    opioid interaction", never a Python list or dict."""
    if not detail:
        return ""
    return "; ".join(f"{key.replace('_', ' ')}: {_plain(value)}" for key, value in detail.items())


def _plain(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(item) for item in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_plain(v)}" for k, v in value.items())
    return str(value)
