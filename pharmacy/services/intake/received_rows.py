"""A received order's rows, written by one statement built from the tables.

Taking in an order writes seven tables: the prescriber and the patient (found, or
added), the prescription, its direction steps, its first status, its audit event and
its outbox row. Each table's row is described once here, by the names of its columns
(`RowValues`), and written one of two ways:

- PostgreSQL: one statement of data-modifying CTEs, built with SQLAlchemy Core from
  the table objects, so a column renamed in the models fails at import. One round
  trip, and atomic on its own: a caller outside a transaction gets all the rows or
  none. The text is compiled once and kept under psycopg's 4 KiB statement cache
  (past that, every call pays a parse of the text that costs more than the write).
- SQLite, which has no data-modifying WITH: the same rows, a Core statement per table,
  in the caller's transaction.

The status change and the audit event are the rows `records.trail` builds for every
writer.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BindTyping,
    Connection,
    Table,
    TextClause,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as postgresql_insert

from pharmacy.database import find_or_insert
from pharmacy.domain import workflow
from pharmacy.domain.prescription import PrescriptionOrder
from pharmacy.domain.search import name_key
from pharmacy.models import (
    DirectionStep,
    Fill,
    OutboxMessage,
    Patient,
    Prescriber,
    Prescription,
)
from pharmacy.models.base import UTCDateTime, utcnow
from pharmacy.services import Actor
from pharmacy.services.records import trail

RECEIVED_ACTION = "prescription.received"
LISTS = ("allergies", "medications", "conditions")
# The patient's details a later order may change; one it leaves out keeps the record's.
DETAILS = ("phone", "address", *LISTS)

_prescribers, _patients = Prescriber.__table__, Patient.__table__
_prescriptions, _steps = Prescription.__table__, DirectionStep.__table__
_outbox, _fills = OutboxMessage.__table__, Fill.__table__


@dataclass(frozen=True)
class Stored:
    prescription_id: int
    created_at: datetime


def store(
    connection: Connection,
    clinic_id: int,
    order: PrescriptionOrder,
    *,
    uid: uuid.UUID,
    as_sent: dict[str, Any],
    actor: Actor,
    message: OutboxMessage,
) -> Stored:
    """Write the order's rows for the clinic; `message` is its outbox row, not yet
    added anywhere. Their times are the database's clock."""
    values = _values(clinic_id, order, uid, as_sent, actor, message)
    if connection.dialect.name != "postgresql":
        return _one_by_one(connection, values)
    statement = _statement()
    # No row back means a prescriber or patient was added by a request that committed
    # while this one ran (its insert then did nothing, and this snapshot cannot see
    # the row yet); the next statement's snapshot sees it, so once more is enough.
    for _ in range(2):
        row = connection.execute(statement, values).first()
        if row is not None:
            return Stored(row.id, row.created_at)
    raise RuntimeError("the order's prescriber or patient could not be found or added")


def _values(
    clinic_id: int,
    order: PrescriptionOrder,
    uid: uuid.UUID,
    as_sent: dict[str, Any],
    actor: Actor,
    message: OutboxMessage,
) -> dict[str, Any]:
    """Every value the rows take, by the name of the column (or bind) it goes in."""
    prescriber, patient = order.prescriber, order.patient
    steps = order.directions.steps
    first_status = trail.status_change(None, *workflow.move(None, workflow.FIRST), actor)
    event = trail.audit_event(actor, RECEIVED_ACTION, request_id=message.request_id)
    return {
        "clinic_id": clinic_id,
        "npi": prescriber.npi,
        "prescriber_first_name": prescriber.first_name,
        "prescriber_last_name": prescriber.last_name,
        "prescriber_phone": prescriber.phone,
        "dea": prescriber.dea,
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "first_name_key": name_key(patient.first_name),
        "last_name_key": name_key(patient.last_name),
        "date_of_birth": patient.date_of_birth,
        **patient_lists(order),
        "lists_on_record": lists_on_record(order),
        "uid": uid,
        **order_columns(order, as_sent),
        "position": list(range(len(steps))),
        "dose_mg": [step.dose_mg for step in steps],
        "days": [step.days for step in steps],
        **{name: first_status[name] for name in _STATUS_BINDS},
        **{name: event[name] for name in _EVENT_BINDS},
        "message_uid": message.uid,
        "topic": message.topic,
        "published_at": message.published_at,
        "attempts": message.attempts,
    }


def order_columns(order: PrescriptionOrder, as_sent: dict[str, Any]) -> dict[str, Any]:
    """A just-received prescription's own columns, as plain values (the driver would
    write an enum by its name)."""
    return {
        "status": workflow.FIRST.value,
        "dosage_form": order.dosage_form.value,
        "strength_mg": order.strength_mg,
        "times_per_day": order.directions.times_per_day,
        "days_supply": order.days_supply,
        "refills": order.refills,
        "written_on": order.written_on,
        "diagnosis": order.diagnosis,
        "notes": order.notes,
        "as_sent": as_sent,
    }


def patient_lists(order: PrescriptionOrder) -> dict[str, Any]:
    """The patient's details a clinic may change from one order to the next. A list,
    phone or address left out of the order is None: the one on record stands."""
    patient = order.patient
    medications = patient.medications
    return {
        "phone": patient.phone,
        "address": dataclasses.asdict(patient.address) if patient.address else None,
        "allergies": None if patient.allergies is None else list(patient.allergies),
        "medications": None
        if medications is None
        else [dataclasses.asdict(m) for m in medications],
        "conditions": None if patient.conditions is None else list(patient.conditions),
    }


def lists_on_record(order: PrescriptionOrder) -> list[str]:
    """The lists the order left out, which it takes from the patient's record."""
    patient = order.patient
    sent = (patient.allergies, patient.medications, patient.conditions)
    return [name for name, value in zip(LISTS, sent, strict=True) if value is None]


# Each table's columns and the bind each takes its value from, where the names differ.
_PRESCRIBER = {
    "npi": "npi",
    "first_name": "prescriber_first_name",
    "last_name": "prescriber_last_name",
    "phone": "prescriber_phone",
    "dea": "dea",
}
_PATIENT_KEY = ("clinic_id", "last_name_key", "first_name_key", "date_of_birth")
_PATIENT = (*_PATIENT_KEY, "last_name", "first_name")
_ORDER = (
    "uid",
    "clinic_id",
    "status",
    "dosage_form",
    "strength_mg",
    "times_per_day",
    "days_supply",
    "refills",
    "written_on",
    "diagnosis",
    "notes",
    "as_sent",
    "lists_on_record",
)
_STEP = ("position", "dose_mg", "days")
_STATUS_BINDS = ("to_status", "actor")
_EVENT_BINDS = ("actor_type", "actor_id", "actor_name", "action", "request_id")
_OUTBOX = {
    "uid": "message_uid",
    "topic": "topic",
    "request_id": "request_id",
    "published_at": "published_at",
    "attempts": "attempts",
}
_JSON_BINDS = ("address", *LISTS, "as_sent", "lists_on_record")


def _bind(name: str):
    if name in _JSON_BINDS:
        return bindparam(name, type_=JSON(none_as_null=True))
    if name == "published_at":
        return bindparam(name, type_=UTCDateTime())
    return bindparam(name)


# --- PostgreSQL: one statement -------------------------------------------------------


def _prescriber_ctes():
    known = (
        select(_prescribers.c.id)
        .where(_prescribers.c.npi == _bind("npi"))
        .cte("prescriber_on_file")
    )
    added = (
        postgresql_insert(_prescribers)
        .from_select(
            [*_PRESCRIBER, "updated_at"],
            select(*(_bind(b) for b in _PRESCRIBER.values()), func.now()).where(
                ~select(known.c.id).exists()
            ),
        )
        .on_conflict_do_nothing(index_elements=["npi"])
        .returning(_prescribers.c.id)
        .cte("new_prescriber")
    )
    return union_all(select(known.c.id), select(added.c.id)).cte("prescriber")


def _patient_ctes():
    """The patient found by clinic, name as it reads and birth date, or added. Its
    details are the ones on the latest order that sent them, written only when they
    changed (JSON has no equality in PostgreSQL: compared as JSONB), so an unchanged
    patient takes no row lock and orders for one patient never queue behind each other."""
    on_file = (
        select(_patients.c.id, *(_patients.c[d] for d in DETAILS))
        .where(*(_patients.c[k] == _bind(k) for k in _PATIENT_KEY))
        .cte("on_file")
    )
    new = (
        postgresql_insert(_patients)
        .from_select(
            [*_PATIENT, *DETAILS, "updated_at"],
            select(
                *(_bind(c) for c in _PATIENT),
                _bind("phone"),
                _bind("address"),
                *(func.coalesce(_bind(n), literal_column("'[]'")) for n in LISTS),
                func.now(),
            ).where(~select(on_file.c.id).exists()),
        )
        .on_conflict_do_nothing(index_elements=list(_PATIENT_KEY))
        .returning(_patients.c.id, *(_patients.c[n] for n in LISTS))
        .cte("new_patient")
    )
    latest = select(
        on_file.c.id,
        *(func.coalesce(_bind(d), on_file.c[d]).label(d) for d in DETAILS),
    ).cte("latest")
    changed = (
        update(_patients)
        .where(
            _patients.c.id == latest.c.id,
            # The two rows have the same columns: compared whole, as JSONB.
            func.to_jsonb(on_file.table_valued()).is_distinct_from(
                func.to_jsonb(latest.table_valued())
            ),
        )
        .values(**{d: latest.c[d] for d in DETAILS}, updated_at=func.now())
        .cte("changed")
    )
    patient = union_all(
        select(latest.c.id, *(latest.c[n] for n in LISTS)),
        select(new.c.id, *(new.c[n] for n in LISTS)),
    ).cte("patient")
    return patient, changed


@functools.cache
def _statement() -> TextClause:
    prescriber = _prescriber_ctes()
    patient, changed = _patient_ctes()
    # The prescription keeps the lists it is screened on: those sent, or those on
    # record for the ones left out.
    rx = (
        postgresql_insert(_prescriptions)
        .from_select(
            [
                *_ORDER,
                "refills_remaining",
                "prescriber_id",
                "patient_id",
                *LISTS,
                "created_at",
                "updated_at",
            ],
            select(
                *(_bind(c) for c in _ORDER),
                _bind("refills"),  # none used yet
                prescriber.c.id,
                patient.c.id,
                *(patient.c[n] for n in LISTS),
                func.now(),
                func.now(),
            ),
        )
        .returning(_prescriptions.c.id, _prescriptions.c.created_at)
        .cte("rx")
    )
    # unnest() over arrays of one length zips them: a row per step.
    steps = _rows_of("steps", rx, _steps, {c: func.unnest(_bind(c)) for c in _STEP})
    first = _rows_of(
        "first_status",
        rx,
        trail.STATUS_CHANGES,
        {**{c: _bind(c) for c in _STATUS_BINDS}, "at": func.now()},
    )
    event = _rows_of(
        "event",
        rx,
        trail.AUDIT_EVENTS,
        {
            **{c: _bind(c) for c in _EVENT_BINDS},
            "at": func.now(),
            "detail": func.json_build_object(
                literal_column("'rx_number'"), cast(rx.c.id, postgresql.TEXT)
            ),
        },
    )
    work = _rows_of(
        "work",
        rx,
        _outbox,
        {
            **{c: _bind(b) for c, b in _OUTBOX.items()},
            "created_at": func.now(),
            "payload": func.json_build_object(literal_column("'prescription_id'"), rx.c.id),
        },
    )
    # Its fill 0: the columns' defaults say so.
    fill = _rows_of("fill", rx, _fills, {})
    written = select(rx.c.id, rx.c.created_at).add_cte(changed, steps, first, event, work, fill)
    return _compact(written)


def _rows_of(name: str, rx, table: Table, columns: dict[str, Any]):
    """The rows of `table` for the prescription `rx` inserts: its id (where the table
    has the column), and these columns."""
    if "prescription_id" in table.c:
        columns = {"prescription_id": rx.c.id, **columns}
    return (
        postgresql_insert(table)
        .from_select(list(columns), select(*columns.values()).select_from(rx))
        .cte(name)
    )


# "x AS anon_1": SQLAlchemy's names for values nothing refers to by name; and
# "t.c AS c": a column named as it already is.
_NEEDLESS_LABEL = re.compile(r" AS (?:anon|now|coalesce|unnest|json_build_object|id)_\d+\b")
_SAME_NAME = re.compile(r"\b(\w+)\.(\w+) AS \2\b")


def _compact(statement) -> TextClause:
    """The statement's text as PostgreSQL runs it, without what it does not need: the
    labels SQLAlchemy gives each value of an INSERT's SELECT (nothing refers to them)
    and the line breaks, so it stays under psycopg's statement cache."""
    dialect = postgresql.psycopg.dialect(paramstyle="named")
    dialect.bind_typing = BindTyping.NONE  # the columns written type the values
    compiled = statement.compile(dialect=dialect)
    sql = _NEEDLESS_LABEL.sub("", " ".join(str(compiled).split()))
    sql = _SAME_NAME.sub(r"\1.\2", sql)
    binds = [
        _bind(name) for name in compiled.binds if name in _JSON_BINDS or name == "published_at"
    ]
    return text(sql).bindparams(*binds)


# --- SQLite: a statement per table ---------------------------------------------------


def _one_by_one(connection: Connection, values: dict[str, Any]) -> Stored:
    prescriber_id, _ = find_or_insert(
        connection,
        _prescribers,
        {"npi": values["npi"]},
        {column: values[bind] for column, bind in _PRESCRIBER.items() if column != "npi"},
    )
    patient_id, lists = _patient(connection, values)
    now = utcnow()  # one moment for all the rows, as the database's clock gives them
    rx = connection.execute(
        insert(_prescriptions)
        .values(
            **{c: values[c] for c in _ORDER},
            prescriber_id=prescriber_id,
            patient_id=patient_id,
            **lists,
            refills_remaining=values["refills"],
            created_at=now,
            updated_at=now,
        )
        .returning(_prescriptions.c.id, _prescriptions.c.created_at)
    ).one()
    connection.execute(
        insert(_steps),
        [
            {"prescription_id": rx.id, **dict(zip(_STEP, step, strict=True))}
            for step in zip(*(values[c] for c in _STEP), strict=True)
        ],
    )
    connection.execute(
        insert(trail.STATUS_CHANGES),
        {"prescription_id": rx.id, **{c: values[c] for c in _STATUS_BINDS}, "at": now},
    )
    connection.execute(
        insert(trail.AUDIT_EVENTS),
        {
            "prescription_id": rx.id,
            **{c: values[c] for c in _EVENT_BINDS},
            "at": now,
            "detail": {"rx_number": str(rx.id)},
        },
    )
    connection.execute(insert(_fills), {"prescription_id": rx.id, "created_at": now})
    connection.execute(
        insert(_outbox),
        {
            **{c: values[b] for c, b in _OUTBOX.items()},
            "created_at": now,
            "payload": {"prescription_id": rx.id},
        },
    )
    return Stored(rx.id, rx.created_at)


def _patient(connection: Connection, values: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The patient's id and the lists this order is screened on."""
    sent = {d: values[d] for d in DETAILS}
    patient_id, stored = find_or_insert(
        connection,
        _patients,
        {k: values[k] for k in _PATIENT_KEY},
        {
            "last_name": values["last_name"],
            "first_name": values["first_name"],
            **{d: [] if v is None and d in LISTS else v for d, v in sent.items()},
        },
    )
    if stored is None:
        return patient_id, {n: sent[n] or [] for n in LISTS}
    latest = {d: stored[d] if v is None else v for d, v in sent.items()}
    if any(latest[d] != stored[d] for d in DETAILS):
        connection.execute(update(_patients).where(_patients.c.id == patient_id).values(**latest))
    return patient_id, {n: latest[n] for n in LISTS}
