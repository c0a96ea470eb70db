"""The audit trail, read only: every event, newest first, filtered by what, who, Rx, day.

There is no route that edits or deletes an event (the database refuses both anyway).
Events carry identifiers and reasons, never patient names, so this page shows no
patient data and is not itself audited.
"""

from __future__ import annotations

from datetime import date

from flask import current_app, render_template, request

from pharmacy.extensions import database
from pharmacy.services.reads import audit_log
from pharmacy.services.reads.audit_log import AuditFilter

from . import blueprint
from .roles import AUDITORS, allow

KNOWN_ACTIONS = (
    "prescription.received",
    "prescription.worked",
    "prescription.viewed",
    "prescription.overridden",
    "prescription.rejected",
    "prescription.compounded",
    "prescription.verified",
    "prescription.dispensed",
    "prescription.cancelled",
    "prescription.refill_requested",
    "prescription.auto_refill_set",
    "prescription.auto_refill_skipped",
    "prescription.renewal_requested",
    "prescription.renewal_declined",
    "prescription.renewed",
    "prescription.clarification_requested",
    "prescription.clarification_answered",
    "prescription.fill_split",
    "prescription.shipped",
    "payment.taken",
    "payment.refunded",
    "payment.voided",
    "payment.waived",
    "prescriptions.listed",
    "renewals.viewed",
    "patient.viewed",
    "queue.viewed",
    "label.printed",
    "receipt.printed",
    "batch_record.printed",
    "patient_papers.printed",
    "packing_slip.printed",
    "login.succeeded",
    "login.failed",
    "login.throttled",
    "login.refused_inactive",
    "logout",
    "user.created",
    "user.deactivated",
    "user.reactivated",
    "clinic.created",
    "api_key.created",
    "api_key.revoked",
    "formula.version_created",
    "price_list.version_created",
    "lot.received",
    "lot.quarantined",
    "lot.released",
    "lot.recall_viewed",
    "lot.recall_exported",
    "stock.digest",
    "webhook.registered",
    "webhook.deleted",
    "webhook.resent",
)


def _day(text: str, problems: list[str], what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{what} must be a day such as 2026-11-21.")
        return None


@blueprint.get("/audit")
@allow(*AUDITORS)
def audit_trail():
    args = request.args
    problems: list[str] = []
    rx_text = args.get("rx", "").strip()
    rx_number = None
    if rx_text:
        if rx_text.isascii() and rx_text.isdigit() and len(rx_text) <= 9:
            rx_number = int(rx_text)
        else:
            problems.append("The Rx number must be digits only.")
    wanted = AuditFilter(
        action=args.get("action", "").strip()[:60],
        actor=args.get("actor", "").strip()[:200],
        rx_number=rx_number,
        since=_day(args.get("since", ""), problems, "From"),
        until=_day(args.get("until", ""), problems, "To"),
    )
    older = args.get("older_than", "")
    page = audit_log.search(
        database.session,
        wanted,
        timezone=str(current_app.config["PHARMACY_TIMEZONE"]),
        older_than=int(older) if older.isascii() and older.isdigit() and len(older) < 19 else None,
    )
    filters = {k: args.get(k, "") for k in ("action", "actor", "rx", "since", "until")}
    return render_template(
        "dashboard/audit.html",
        page=page,
        filters=filters,
        problems=problems,
        known_actions=KNOWN_ACTIONS,
        paged=bool(older),
    )
