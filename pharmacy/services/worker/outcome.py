"""What the rules make of one received order: findings, worksheet, price, new status.

Pure once the order, the reference data and the shelf are read, so a batch works each
of its orders exactly as if it were worked alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pharmacy.domain import prescription as rx
from pharmacy.domain.compounding import LotStock, Worksheet, compute_worksheet
from pharmacy.domain.drug_lexicon import Lexicon
from pharmacy.domain.pricing import Price, price_worksheet
from pharmacy.domain.screening import Finding, Lists, Severity, screen
from pharmacy.domain.workflow import Status, move
from pharmacy.models import Prescription
from pharmacy.services import reference
from pharmacy.services.worker.orders import order_of


@dataclass(frozen=True)
class Worked:
    """The worksheet and price of an order, and the versions they were made from."""

    mfr_id: int
    worksheet: Worksheet
    price: Price
    price_list_id: int


@dataclass(frozen=True)
class Outcome:
    prescription_id: int
    status: Status
    findings: list[Finding]
    worked: Worked | None  # None: the worksheet could not be computed
    drug_data_version: int | None = None  # None: not screened
    fill: int = 0  # the number of the fill it is the outcome of


def lists_of(prescription: Prescription) -> Lists:
    """What the clinic sent with this order (`Prescription.medications` and the rest),
    never the patient's record, which a later order may change."""
    return Lists(
        medications=[
            rx.MedicationInUse(m["name"], m.get("rxnorm")) for m in prescription.medications
        ],
        allergies=prescription.allergies,
        conditions=prescription.conditions,
        notes=prescription.notes,
        diagnosis=prescription.diagnosis,
    )


def assess(
    prescription: Prescription,
    *,
    data: reference.ReferenceData,
    drug_data: tuple[int, Lexicon],
    lots: list[LotStock],
    other_active_orders: int,
    today: date,
) -> Outcome:
    version, lexicon = drug_data
    findings = screen(lists_of(prescription), lexicon, other_active_ldn_orders=other_active_orders)
    mfr_id, formula = reference.formula_for(data, prescription.dosage_form)
    worksheet = compute_worksheet(order_of(prescription), formula, lots, data.settings, today)
    price = price_worksheet(worksheet, data.prices, data.price_list_version, data.ingredient_names)
    findings = [*findings, *worksheet.findings]
    held = any(f.severity is Severity.HARD_STOP for f in findings)
    return Outcome(
        prescription.id,
        worked_to(held=held),
        findings,
        Worked(mfr_id, worksheet, price, data.price_list_id),
        version,
        prescription.current_fill,
    )


def failed(prescription_id: int, error: str, fill: int = 0) -> Outcome:
    """An order the worker cannot work goes on hold where a pharmacist sees why, instead
    of being retried for ever. `error` names the kind of error only: its message may
    quote the order."""
    finding = Finding(
        "processing_failed",
        Severity.HARD_STOP,
        f"The worksheet could not be computed ({error}). Check the order and the "
        "formula, lots and price list, then work it by hand or reject it.",
    )
    return Outcome(prescription_id, worked_to(held=True), [finding], None, fill=fill)


def worked_to(*, held: bool) -> Status:
    """Where the workflow moves a worked received order: on hold when a hard stop needs a
    pharmacist, else ready."""
    return move(Status.RECEIVED, Status.ON_HOLD if held else Status.READY).to_status
