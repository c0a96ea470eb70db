"""A received order's rows written by one PostgreSQL statement.

Taking in an order writes seven tables: the prescriber and the patient (found, or
added), the prescription, its direction steps, its first status, its audit event and
its outbox row. Written one by one that is nine round trips; as one statement of
data-modifying CTEs it is one, and the statement is atomic on its own, so a caller
outside a transaction gets all the rows or none. SQLite has no data-modifying CTEs;
it takes the same rows through the ORM (`prescriptions._store`), and the API tests
run against both.

The SQL is written out by hand, short enough for psycopg to keep its parsed form
(statements over 4 KiB are parsed again on every call); the API tests run it against
the models' tables, so a column renamed there fails them at once.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Connection, TextClause, bindparam, text

from pharmacy.domain.prescription import PrescriptionOrder
from pharmacy.domain.search import name_key
from pharmacy.domain.workflow import Status
from pharmacy.models import OutboxMessage
from pharmacy.models.base import UTCDateTime
from pharmacy.services import Actor

RECEIVED_ACTION = "prescription.received"


@dataclass(frozen=True)
class Stored:
    prescription_id: int
    created_at: datetime


@dataclass(frozen=True)
class PresentedKey:
    """A clinic known so far only by the API key it sent (its SHA-256 hash): the write
    itself finds the clinic, which spares the request a round trip of its own."""

    key_hash: str


def store(
    connection: Connection,
    clinic: int | PresentedKey,
    order: PrescriptionOrder,
    *,
    uid: uuid.UUID,
    as_sent: dict[str, Any],
    actor: Actor | None,
    message: OutboxMessage,
) -> Stored | None:
    """Write the order's rows for the clinic with this id, or with this live key (and
    the trail then names that clinic); `message` is the outbox row, not yet added
    anywhere. Their times are the database's clock at the statement's start. None, and
    nothing written, when no clinic has the key."""
    values = _values(clinic, order, uid, as_sent, actor, message)
    statement = _statement()
    # No row back means a prescriber or patient was added by a request that committed
    # while this one ran (its insert then did nothing, and this snapshot cannot see
    # the row yet); the next statement's snapshot sees it, so once more is enough. Or
    # it means no clinic has the key, which the last look tells apart.
    for _ in range(2):
        row = connection.execute(statement, values).first()
        if row is not None:
            return Stored(row.id, row.created_at)
    if isinstance(clinic, PresentedKey) and not _key_is_live(connection, clinic):
        return None
    raise RuntimeError("the order's prescriber or patient could not be found or added")


def _key_is_live(connection: Connection, key: PresentedKey) -> bool:
    return (
        connection.execute(
            text("SELECT 1 FROM api_keys WHERE key_hash = :key_hash AND revoked_at IS NULL"),
            {"key_hash": key.key_hash},
        ).first()
        is not None
    )


def _values(
    clinic: int | PresentedKey,
    order: PrescriptionOrder,
    uid: uuid.UUID,
    as_sent: dict[str, Any],
    actor: Actor | None,
    message: OutboxMessage,
) -> dict[str, Any]:
    prescriber, patient = order.prescriber, order.patient
    steps = order.directions.steps
    keyed = isinstance(clinic, PresentedKey)
    return {
        "clinic_id": None if keyed else clinic,
        "key_hash": clinic.key_hash if keyed else None,
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
        "step_positions": list(range(len(steps))),
        "step_doses": [step.dose_mg for step in steps],
        "step_days": [step.days for step in steps],
        # None: the clinic the key finds, named in the statement.
        "actor_label": actor and actor.label,
        "actor_type": actor and actor.kind,
        "actor_id": actor and actor.id,
        "actor_name": actor and actor.name,
        "action": RECEIVED_ACTION,
        "request_id": message.request_id,
        "message_uid": message.uid,
        "topic": message.topic,
        "published_at": message.published_at,
        "attempts": message.attempts,
    }


def order_columns(order: PrescriptionOrder, as_sent: dict[str, Any]) -> dict[str, Any]:
    """A just-received prescription's own columns, as plain values (the driver would
    write an enum by its name)."""
    return {
        "status": Status.RECEIVED.value,
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


LISTS = ("allergies", "medications", "conditions")


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
    return [name for name, value in zip(LISTS, _sent(order), strict=True) if value is None]


def _sent(order: PrescriptionOrder) -> tuple[Any, ...]:
    patient = order.patient
    return (patient.allergies, patient.medications, patient.conditions)


# The clinic is the one named, or the one whose live API key was presented: a key
# unknown or revoked finds no clinic, and then nothing at all is written. A prescriber
# is found by NPI, a patient by clinic, name as it reads (the name keys) and birth
# date; either is added when not found. A patient's phone, address and lists are the
# ones on the latest order that sent them (one left out, NULL here, keeps the one on
# record), written only when they changed (JSON has no equality in PostgreSQL, so they
# are compared as JSONB), so an unchanged patient takes no row lock and orders for one
# patient never queue behind each other. The prescription keeps the lists it is
# screened on: those sent, or those on record for the ones left out. unnest() over
# arrays of one length zips them: a row per step. The audit event is as `audit.record`
# writes it, identifiers only; a clinic known by its key is named as `Actor.label`
# names it.
_SQL = """
WITH holder AS (
  SELECT id AS clinic_id, name FROM clinics WHERE id = :clinic_id
  UNION ALL
  SELECT clinics.id, clinics.name FROM api_keys JOIN clinics ON clinics.id = clinic_id
  WHERE key_hash = :key_hash AND revoked_at IS NULL
), known_prescriber AS (
  SELECT id FROM prescribers WHERE npi = :npi
), new_prescriber AS (
  INSERT INTO prescribers (npi, first_name, last_name, phone, dea, updated_at)
  SELECT :npi, :prescriber_first_name, :prescriber_last_name, :prescriber_phone, :dea,
    now()
  FROM holder WHERE NOT EXISTS (SELECT FROM known_prescriber)
  ON CONFLICT (npi) DO NOTHING
  RETURNING id
), prescriber AS (
  SELECT id FROM known_prescriber UNION ALL SELECT id FROM new_prescriber
), on_file AS (
  SELECT id, phone, address, allergies, medications, conditions
  FROM patients JOIN holder USING (clinic_id)
  WHERE last_name_key = :last_name_key AND first_name_key = :first_name_key
    AND date_of_birth = :date_of_birth
), new_patient AS (
  INSERT INTO patients (clinic_id, last_name, first_name, date_of_birth, last_name_key,
    first_name_key, phone, address, allergies, medications, conditions, updated_at)
  SELECT clinic_id, :last_name, :first_name, :date_of_birth, :last_name_key,
    :first_name_key, :phone, :address, coalesce(:allergies, '[]'),
    coalesce(:medications, '[]'), coalesce(:conditions, '[]'), now()
  FROM holder WHERE NOT EXISTS (SELECT FROM on_file)
  ON CONFLICT (clinic_id, last_name_key, first_name_key, date_of_birth) DO NOTHING
  RETURNING id, allergies, medications, conditions
), latest AS (
  SELECT id, coalesce(CAST(:phone AS text), phone) phone, coalesce(:address, address) address,
    coalesce(:allergies, allergies) allergies, coalesce(:medications, medications)
    medications, coalesce(:conditions, conditions) conditions
  FROM on_file
), patient_update AS (
  UPDATE patients p SET phone = l.phone, address = l.address, allergies = l.allergies,
    medications = l.medications, conditions = l.conditions, updated_at = now()
  FROM latest l, on_file o
  WHERE p.id = l.id AND json_build_array(o.phone, o.address, o.allergies, o.medications,
    o.conditions)::jsonb IS DISTINCT FROM json_build_array(l.phone, l.address,
    l.allergies, l.medications, l.conditions)::jsonb
), patient AS (
  SELECT id, allergies, medications, conditions FROM latest
  UNION ALL SELECT id, allergies, medications, conditions FROM new_patient
), rx AS (
  INSERT INTO prescriptions (uid, clinic_id, prescriber_id, patient_id, status,
    dosage_form, strength_mg, times_per_day, days_supply, refills, written_on,
    diagnosis, notes, as_sent, allergies, medications, conditions, lists_on_record,
    created_at, updated_at)
  SELECT :uid, clinic_id, prescriber.id, patient.id, :status, :dosage_form,
    :strength_mg, :times_per_day, :days_supply, :refills, :written_on, :diagnosis,
    :notes, :as_sent, patient.allergies, patient.medications, patient.conditions,
    :lists_on_record, now(), now()
  FROM holder, prescriber, patient
  RETURNING id, created_at
), steps AS (
  INSERT INTO direction_steps (prescription_id, position, dose_mg, days)
  SELECT id, unnest(:step_positions), unnest(:step_doses), unnest(:step_days) FROM rx
), first_status AS (
  INSERT INTO status_changes (prescription_id, to_status, actor, at)
  SELECT id, :status, coalesce(:actor_label, 'clinic:' || name), now() FROM rx, holder
), audit_event AS (
  INSERT INTO audit_events (at, actor_type, actor_id, actor_name, action,
    prescription_id, detail, request_id)
  SELECT now(), coalesce(:actor_type, 'clinic'), coalesce(:actor_id, clinic_id::text),
    coalesce(:actor_name, name), :action, id,
    json_build_object('rx_number', id::text), :request_id
  FROM rx, holder
), outbox_row AS (
  INSERT INTO outbox_messages (uid, topic, payload, request_id, created_at,
    published_at, attempts)
  SELECT :message_uid, :topic, json_build_object('prescription_id', id), :request_id,
    now(), :published_at, :attempts
  FROM rx
)
SELECT id, created_at FROM rx
"""


@functools.cache
def _statement() -> TextClause:
    # Spaces collapsed: the statement must stay under psycopg's 4 KiB for its parsed
    # form to be kept (and prepared on the server) rather than parsed on every call.
    return text(" ".join(_SQL.split())).bindparams(
        *(bindparam(name, type_=JSON(none_as_null=True)) for name in _JSON_DETAILS),
        bindparam("as_sent", type_=JSON),
        bindparam("lists_on_record", type_=JSON),
        bindparam("published_at", type_=UTCDateTime()),
    )


_JSON_DETAILS = ("address", "allergies", "medications", "conditions")
