"""Batch records, lot recalls and stock: the printed compounding record of a fill, the
recall report of a lot (page, CSV, PDF), and ingredients' reorder points.

Each of these shows patient data and is audited by the service that reads it; a role
that may not see it is refused (403) before anything is read.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Response, current_app, g, render_template

from pharmacy.domain.batch_record import batch_yield, procedure_of
from pharmacy.extensions import database
from pharmacy.labels.recall import RecallFacts, render_recall
from pharmacy.services.counter import batch_records
from pharmacy.services.reads.recall import LotRecall, lot_recall

from . import blueprint
from .roles import AUDITORS, PRINTERS, allow, staff

LOT = "/lots/<int(max=2147483647):lot_id>/recall"
RECALL_HEADER = (
    "Rx",
    "Fill",
    "Patient",
    "Prescriber",
    "Compounded",
    "Dispensed",
    "Used",
)
CSV_HEADER = (
    "rx_number",
    "fill_number",
    "fill_status",
    "patient",
    "date_of_birth",
    "patient_phone",
    "prescriber",
    "prescriber_npi",
    "prescriber_phone",
    "clinic",
    "compounded_on",
    "dispensed_on",
    "amount_used",
)


@blueprint.app_template_filter("batch_yield")
def _batch_yield(record, worksheet) -> str:
    """The yield of a recorded batch against its worksheet, in words."""
    batch = (worksheet or {}).get("batch_quantity")
    return batch_yield(record.quantity_made, batch).summary if batch else ""


@blueprint.app_template_filter("iso_local")
def _iso_local(moment: str | None) -> str:
    """A stored ISO moment (a step's tick) in the pharmacy's time zone."""
    if not moment:
        return ""
    zone = ZoneInfo(str(current_app.config["PHARMACY_TIMEZONE"]))
    return datetime.fromisoformat(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M")


@blueprint.app_template_global()
def procedure_steps(formula) -> tuple:
    """The steps of an MFR version's procedure (none for an older version)."""
    return procedure_of(formula.formula) if formula is not None else ()


@blueprint.post("/orders/<int(max=2147483647):rx_number>/batch-record")
@allow(*PRINTERS, doing="print batch records")
def print_batch_record(rx_number: int):
    pdf = batch_records.print_batch_record(
        database.session,
        staff().actor,
        rx_number,
        current_app.config,
        request_id=g.get("request_id"),
    )
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="batch-record-{rx_number}.pdf"'
    return response


def _recall(lot_id: int, exported_as: str | None = None) -> LotRecall:
    return lot_recall(
        database.session,
        lot_id,
        actor=staff().actor,
        request_id=g.get("request_id"),
        exported_as=exported_as,
    )


@blueprint.get(LOT)
@allow(*AUDITORS, doing="see a lot's recall report")
def lot_recall_page(lot_id: int):
    return render_template("dashboard/recall.html", recall=_recall(lot_id))


def _rows(recall: LotRecall) -> list[tuple[str, ...]]:
    return [
        (
            str(fill.rx_number),
            f"{fill.fill_number} ({fill.status})",
            f"{fill.patient}, born {fill.date_of_birth}"
            + (f", {fill.patient_phone}" if fill.patient_phone else ""),
            f"{fill.prescriber}, NPI {fill.prescriber_npi}, {fill.prescriber_phone}",
            str(fill.compounded_on),
            str(fill.dispensed_on) if fill.dispensed_on else "not dispensed",
            fill.amount,
        )
        for fill in recall.fills
    ]


@blueprint.get(LOT + ".csv")
@allow(*AUDITORS, doing="export a lot's recall report")
def lot_recall_csv(lot_id: int):
    recall = _recall(lot_id, "csv")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for fill in recall.fills:
        writer.writerow(
            (
                fill.rx_number,
                fill.fill_number,
                fill.status,
                fill.patient,
                fill.date_of_birth,
                fill.patient_phone,
                fill.prescriber,
                fill.prescriber_npi,
                fill.prescriber_phone,
                fill.clinic,
                fill.compounded_on,
                fill.dispensed_on or "",
                fill.amount,
            )
        )
    response = Response(out.getvalue(), mimetype="text/csv")
    name = f"recall-{recall.lot.lot_number}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{_safe(name)}"'
    return response


@blueprint.get(LOT + ".pdf")
@allow(*AUDITORS, doing="export a lot's recall report")
def lot_recall_pdf(lot_id: int):
    recall = _recall(lot_id, "pdf")
    lot = recall.lot
    config = current_app.config
    now = datetime.now(ZoneInfo(str(config["PHARMACY_TIMEZONE"])))
    facts = RecallFacts(
        pharmacy=f"{config['PHARMACY_NAME']}, {config['PHARMACY_ADDRESS']}",
        lot=f"{lot.ingredient_name}, lot {lot.lot_number}",
        lot_details=(
            ("Vendor", lot.vendor),
            ("Received", str(lot.received_on)),
            ("Expires", str(lot.expires_on)),
            ("On hand", lot.quantity_on_hand + (" (quarantined)" if lot.quarantined else "")),
            ("Fills", f"{len(recall.fills)} made with it, {recall.dispensed} dispensed"),
        ),
        header=RECALL_HEADER,
        rows=_rows(recall),
        printed_at=now.strftime("%Y-%m-%d %H:%M"),
    )
    response = Response(render_recall(facts), mimetype="application/pdf")
    name = f"recall-{lot.lot_number}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{_safe(name)}"'
    return response


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
