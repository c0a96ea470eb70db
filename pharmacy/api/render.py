"""A prescription as the clinic sees it (the shape `PrescriptionOut` documents)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pharmacy.services.reads.clinic_orders import ClinicOrder, Question
from pharmacy.services.reads.fills import FillShown
from pharmacy.services.reads.renewals import Renewal

CENT = Decimal("0.01")


def money(amount: Decimal) -> str:
    return str(amount.quantize(CENT))


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _quantity(value: Decimal, unit: str | None) -> str:
    # Capsules are counted; millilitres are measured to 0.1 mL.
    return str(int(value)) if unit == "capsule" else str(value.quantize(Decimal("0.1")))


def prescription(p: ClinicOrder) -> dict[str, Any]:
    sent = p.as_sent
    return {
        "id": str(p.uid),
        "rx_number": p.rx_number,
        "status": p.status,
        "prescriber": sent["prescriber"],
        "patient": sent["patient"],
        "medication": {
            "dosage_form": p.dosage_form,
            "strength_mg": _number(p.strength_mg),
        },
        "directions": {
            "times_per_day": p.times_per_day,
            "steps": [{"dose_mg": _number(s.dose_mg), "days": s.days} for s in p.steps],
        },
        "days_supply": p.days_supply,
        "refills": p.refills,
        "written_on": p.written_on.isoformat(),
        "diagnosis": p.diagnosis,
        "notes": p.notes,
        "quantity": {"value": _quantity(p.quantity, p.quantity_unit), "unit": p.quantity_unit}
        if p.quantity is not None
        else None,
        "beyond_use_date": p.beyond_use_date.isoformat() if p.beyond_use_date else None,
        "price": {
            "total": money(p.price_total),
            "currency": "USD",
            "lines": [
                {"label": line.label, "amount": money(line.amount)} for line in p.price_lines
            ],
        }
        if p.price_total is not None
        else None,
        "alerts": [
            {
                "code": a.code,
                "severity": a.severity,
                "detail": a.detail,
                "resolution": a.resolution,
            }
            for a in p.alerts
        ],
        "refills_remaining": p.refills_remaining,
        "expires_on": p.expires_on.isoformat(),
        "auto_refill": p.auto_refill,
        "fills": [_fill(fill) for fill in p.fills],
        "renews": str(p.renews) if p.renews else None,
        "version": p.version,
        "question": _question(p.question) if p.question else None,
        "created_at": p.created_at.isoformat(),
        "updated_at": p.updated_at.isoformat(),
    }


def _question(q: Question) -> dict[str, Any]:
    return {
        "question": q.question,
        "asked_at": q.asked_at.isoformat(),
        "state": q.state,
        "answer": q.answer,
        "answered_at": q.answered_at.isoformat() if q.answered_at else None,
    }


def _fill(fill: FillShown) -> dict[str, Any]:
    return {
        "number": fill.number,
        "refill": fill.refill,
        "status": fill.status,
        "quantity": {
            "value": _quantity(fill.quantity, fill.quantity_unit),
            "unit": fill.quantity_unit,
        }
        if fill.quantity is not None
        else None,
        "beyond_use_date": fill.beyond_use_date.isoformat() if fill.beyond_use_date else None,
        "price": {"total": money(fill.price_total), "currency": "USD", "lines": []}
        if fill.price_total is not None
        else None,
        "dispensed_on": fill.dispensed_on.isoformat() if fill.dispensed_on else None,
        "shipment": {
            "carrier": fill.shipment.carrier,
            "tracking_number": fill.shipment.tracking_number,
            "shipped_on": fill.shipment.shipped_on.isoformat(),
            "arrives_on": fill.shipment.arrives_on.isoformat(),
        }
        if fill.shipment
        else None,
    }


def renewal(r: Renewal) -> dict[str, Any]:
    """A renewal request as its clinic sees it (the shape `RenewalOut` documents)."""
    return {
        "prescription": str(r.prescription_uid),
        "rx_number": r.rx_number,
        "reason": r.reason,
        "state": r.state,
        "requested_at": r.requested_at.isoformat(),
        "answered_at": r.answered_at.isoformat() if r.answered_at else None,
        "decline_reason": r.decline_reason,
        "renewed_by": str(r.renewed_by) if r.renewed_by else None,
    }
