"""The events of the contract (api.md, "Webhooks"), what makes each, and its body.

A status event is made from a status change; `compounded` is the pharmacy's own step
and no event. `shipped` carries the parcel's carrier and tracking number, so the clinic
can tell the patient where the fill is. Two events come from the audit trail,
one from the refills due. A body carries identifiers, statuses and the pharmacy's
question, never a patient's name or birth date.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

PREFIX = "prescription."
STATUS_EVENTS = (
    "received",
    "on_hold",
    "ready",
    "awaiting_prescriber",
    "verified",
    "dispensed",
    "shipped",
    "rejected",
    "cancelled",
)
REFILL_DUE = PREFIX + "refill_due"
RENEWAL_REQUESTED = PREFIX + "renewal_requested"
CLARIFICATION_REQUESTED = PREFIX + "clarification_requested"
# Audit actions that are events of the same name, and what of their detail goes along.
AUDIT_EVENTS = {
    RENEWAL_REQUESTED: ("reason",),
    CLARIFICATION_REQUESTED: ("question",),
}
EVENT_TYPES = (
    *(PREFIX + status for status in STATUS_EVENTS),
    REFILL_DUE,
    RENEWAL_REQUESTED,
    CLARIFICATION_REQUESTED,
)


# What a status event carries besides the fill's identifiers, by status.
STATUS_DETAIL = {"shipped": ("carrier", "tracking_number")}


def status_extra(to_status: str, found: Mapping[str, Any]) -> dict[str, Any]:
    """The detail of a move to `to_status`, from what was read with it."""
    return {name: found.get(name) for name in STATUS_DETAIL.get(to_status, ())}


def status_event(to_status: str) -> str | None:
    """The event a move to `to_status` makes, or None."""
    return PREFIX + to_status if to_status in STATUS_EVENTS else None


@dataclass(frozen=True)
class Happening:
    """What an event says: which fill of which prescription, its status then, when."""

    type: str
    prescription_uid: str
    rx_number: int
    fill: int
    status: str
    at: datetime
    extra: dict[str, Any]


def body(happening: Happening, sequence: int) -> str:
    """The JSON body, as sent and signed: `{"type", "timestamp", "data"}`."""
    data = {
        "prescription_id": happening.prescription_uid,
        "rx_number": str(happening.rx_number),
        "fill": happening.fill,
        "status": happening.status,
        "sequence": sequence,
        **happening.extra,
    }
    document = {"type": happening.type, "timestamp": timestamp(happening.at), "data": data}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, default=str)


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, as Standard Webhooks' examples write it."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
