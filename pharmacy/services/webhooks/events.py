"""The events of the contract (api.md, "Webhooks"), what makes each, and its body.

A status event is made from a status change; `compounded` is the pharmacy's own step
and no event, and a status the contract names but the workflow does not have yet
(`shipped`) becomes its event the day it appears. Two events come from the audit trail,
one from the refills due. A body carries identifiers, statuses and the pharmacy's
question, never a patient's name or birth date.
"""

from __future__ import annotations

import json
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
