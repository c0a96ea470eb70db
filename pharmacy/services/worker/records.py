"""Writing what the worker made of a batch of orders: one statement per table for the
whole batch, however many orders it holds.

Plain Core statements, not ORM objects: the worker writes these rows and never reads
them back. Every row of a batch carries the batch's one moment: the orders were
worked in one transaction.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from pharmacy.domain.workflow import Status
from pharmacy.models import (
    Alert,
    Prescription,
    PriceLine,
    Worksheet,
)
from pharmacy.services import SYSTEM
from pharmacy.services.records import outbox, trail
from pharmacy.services.worker.outcome import Outcome

WORKED = "prescription.worked"


def write(
    session: Session,
    outcomes: list[Outcome],
    *,
    now: datetime,
    request_ids: dict[int, str | None],
) -> None:
    """The rows of worked `outcomes`, all of them orders moving out of `received`.

    `request_ids` names the request behind an order when the caller knows it; the
    others take the one their outbox message carries.
    """
    ids = [o.prescription_id for o in outcomes]
    known = {rx: request_id for rx, request_id in request_ids.items() if request_id}
    request_ids = {**outbox.mark_orders_processed(session, ids, now), **known}
    worked = [o for o in outcomes if o.worked is not None]
    if worked:
        session.execute(insert(Worksheet.__table__), [_worksheet(o, now) for o in worked])
        session.execute(
            insert(PriceLine.__table__), [line for o in worked for line in _price_lines(o)]
        )
        session.execute(_WORKED_UPDATE, [_worked_values(o, now) for o in worked])
    failed = [o for o in outcomes if o.worked is None]
    if failed:
        # A worksheet that could not be computed leaves the order's numbers as they were.
        rows = [{"rx_id": o.prescription_id, "new_status": o.status.value} for o in failed]
        session.execute(_STATUS_UPDATE, [{**row, "now": now} for row in rows])
    alerts = [_alert(o, f, now) for o in outcomes for f in o.findings]
    if alerts:
        session.execute(insert(Alert.__table__), alerts)
    trail.write(
        session,
        status_changes=[_status_change(o, now) for o in outcomes],
        audit_events=[_audit_event(o, now, request_ids.get(o.prescription_id)) for o in outcomes],
    )


_table = Prescription.__table__
_WORKED_UPDATE = (
    update(_table)
    .where(_table.c.id == bindparam("rx_id"))
    .values(
        status=bindparam("new_status"),
        quantity=bindparam("new_quantity"),
        quantity_unit=bindparam("new_unit"),
        beyond_use_date=bindparam("new_bud"),
        price_total=bindparam("new_total"),
        price_list_id=bindparam("new_price_list"),
        drug_data_version=bindparam("new_drug_data"),
        updated_at=bindparam("now"),
    )
)
_STATUS_UPDATE = (
    update(_table)
    .where(_table.c.id == bindparam("rx_id"))
    .values(status=bindparam("new_status"), updated_at=bindparam("now"))
)


def _worked_values(outcome: Outcome, now: datetime) -> dict[str, Any]:
    worked = outcome.worked
    return {
        "rx_id": outcome.prescription_id,
        "new_status": outcome.status.value,
        "new_quantity": worked.worksheet.quantity,
        "new_unit": worked.worksheet.unit,
        "new_bud": worked.worksheet.beyond_use.date,
        "new_total": worked.price.total,
        "new_price_list": worked.price_list_id,
        "new_drug_data": outcome.drug_data_version,
        "now": now,
    }


def _worksheet(outcome: Outcome, now: datetime) -> dict[str, Any]:
    return {
        "prescription_id": outcome.prescription_id,
        "fill_number": outcome.fill,
        "mfr_id": outcome.worked.mfr_id,
        "data": plain(outcome.worked.worksheet),
        "created_at": now,
    }


def _price_lines(outcome: Outcome) -> list[dict[str, Any]]:
    return [
        {
            "prescription_id": outcome.prescription_id,
            "fill_number": outcome.fill,
            "position": i,
            "label": line.label,
            "amount": line.amount,
            "basis": line.basis,
        }
        for i, line in enumerate(outcome.worked.price.lines)
    ]


def _alert(outcome: Outcome, finding, now: datetime) -> dict[str, Any]:
    return {
        "prescription_id": outcome.prescription_id,
        "fill_number": outcome.fill,
        "code": finding.code,
        "severity": str(finding.severity),
        "detail": finding.detail,
        "created_at": now,
    }


def _status_change(outcome: Outcome, now: datetime) -> dict[str, Any]:
    return trail.status_change(
        outcome.prescription_id, Status.RECEIVED, outcome.status, SYSTEM, at=now, fill=outcome.fill
    )


def _audit_event(outcome: Outcome, now: datetime, request_id: str | None) -> dict[str, Any]:
    """Identifiers and alert codes, no patient details."""
    return trail.audit_event(
        SYSTEM,
        WORKED,
        prescription_id=outcome.prescription_id,
        request_id=request_id,
        at=now,
        from_status=Status.RECEIVED.value,
        to_status=outcome.status.value,
        alerts=[f.code for f in outcome.findings],
    )


_AS_IS = frozenset({str, int, float, bool, type(None)})
_FIELDS: dict[type, tuple[str, ...]] = {}


def plain(value: Any) -> Any:
    """A domain result as JSON: Decimals and dates as strings, exactly as computed.

    A worksheet is a few thousand values; each dataclass's fields are looked up once
    per process, and plain values (exactly str, int...: not a StrEnum) pass at once.
    """
    kind = type(value)
    if kind in _AS_IS:
        return value
    names = _FIELDS.get(kind)
    if names is None and dataclasses.is_dataclass(kind):
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal | date):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
