"""Taking in a clinic's prescriptions, and cancelling them at the clinic's word.

The API has checked the clinic's key before anything here runs: services are given the
clinic's id and how the trail names it. Reads of a clinic's orders are in
`services.reads.clinic_orders`.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pharmacy.database import alone, find_or_insert
from pharmacy.domain import workflow
from pharmacy.domain.prescription import PrescriptionOrder, prescription_problems
from pharmacy.domain.workflow import Action, Status
from pharmacy.models import IdempotencyKey, OutboxMessage, Prescription
from pharmacy.services import Actor, Conflict, Invalid, NotFound
from pharmacy.services.intake import clarifications, received_rows, refills, renewals
from pharmacy.services.reads.clinic_orders import ClinicOrder, for_clinic
from pharmacy.services.records import outbox, trail
from pharmacy.services.unit_of_work import unit_of_work

# How the API shows an order to its clinic: the body an Idempotency-Key replays.
Render = Callable[[ClinicOrder], dict[str, Any]]


@dataclass(frozen=True)
class Submission:
    prescription_uid: str
    body: dict[str, Any]
    replayed: bool = False
    work: OutboxMessage | None = None  # to publish now that it is committed


@dataclass(frozen=True)
class IdempotencyClaim:
    key: str
    request_hash: str


def submit(
    session: Session,
    clinic_id: int,
    actor: Actor,
    order: PrescriptionOrder,
    *,
    as_sent: dict[str, Any],
    today: date,
    render: Render,
    idempotency: IdempotencyClaim | None = None,
    request_id: str | None = None,
    sending_now: bool = False,
) -> Submission:
    """Store a new prescription as `received` for the clinic, with its audit event and
    outbox row, all or nothing. With an idempotency key, a repeat of the same request
    gets the first answer back and makes no second order, however many arrive at once.
    `sending_now` says the caller sends the outbox message itself right after (see
    `outbox.enqueue`); otherwise the sweep sends it. A prescription sent with
    `auto_refill` or `renews` (one of the clinic's own, for the same patient, else
    Invalid on `renews`) is written in a transaction, those two by an UPDATE of their
    own (`_link`)."""
    problems = prescription_problems(order, today)
    if problems:
        raise Invalid(problems)
    work = outbox.message(
        outbox.PRESCRIPTION_RECEIVED, {}, request_id=request_id, sending_now=sending_now
    )
    uid = uuid.uuid4()

    def store(connection) -> received_rows.Stored:
        return received_rows.store(
            connection, clinic_id, order, uid=uid, as_sent=as_sent, actor=actor, message=work
        )

    linked = order.auto_refill or order.renews is not None
    if idempotency is None and not linked and session.get_bind().dialect.name == "postgresql":
        # One statement, atomic by itself: no transaction to open or close around it.
        with alone(session.get_bind()) as connection:
            stored = store(connection)
        work.payload = {"prescription_id": stored.prescription_id}
        return Submission(str(uid), render(_shown(stored, uid, order, as_sent)), work=work)
    with unit_of_work(session):
        if idempotency is not None:
            earlier = _claim(session, clinic_id, idempotency)
            if earlier is not None:
                return earlier
        renewed = None
        if order.renews is not None:
            renewed = renewals.renewed_prescription(session, clinic_id, order.renews)
        stored = store(session.connection())
        if linked:
            _link(session, stored.prescription_id, order, renewed, actor, request_id)
        work.payload = {"prescription_id": stored.prescription_id}
        body = render(_shown(stored, uid, order, as_sent))
        _remember(session, clinic_id, idempotency, stored.prescription_id, body)
    return Submission(str(uid), body, work=work)


def _link(
    session: Session,
    prescription_id: int,
    order: PrescriptionOrder,
    renewed: Prescription | None,
    actor: Actor,
    request_id: str | None,
) -> None:
    """What the one statement leaves out, so that it stays short: automatic refills, and
    the prescription this one renews. Written by one UPDATE in the same unit of work,
    as part of the same arrival (its time of change is its arrival's)."""
    values: dict[str, object] = {"updated_at": Prescription.created_at}
    if order.auto_refill:
        values["auto_refill"] = True
    if renewed is not None:
        renewals.link(session, prescription_id, renewed, actor, request_id=request_id)
        values["renews_id"] = renewed.id
    session.execute(update(Prescription).where(Prescription.id == prescription_id).values(values))


def _shown(
    stored: received_rows.Stored, uid: uuid.UUID, order: PrescriptionOrder, as_sent: dict
) -> ClinicOrder:
    columns = received_rows.order_columns(order, as_sent)
    shown = ClinicOrder.just_received(
        stored.prescription_id, uid, order, columns, stored.created_at
    )
    return dataclasses.replace(shown, auto_refill=order.auto_refill, renews=order.renews)


def _claim(session: Session, clinic_id: int, claim: IdempotencyClaim) -> Submission | None:
    """Take the key for this request, or return the answer already given under it.

    The insert waits for any transaction holding the same key, so by the time it
    reports a clash the other request's order and answer are committed and readable.
    """
    _, stored = find_or_insert(
        session,
        IdempotencyKey.__table__,
        {"clinic_id": clinic_id, "key": claim.key},
        {"request_hash": claim.request_hash},
    )
    if stored is None:
        return None
    earlier = session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.clinic_id == clinic_id, IdempotencyKey.key == claim.key
        )
    )
    if earlier is None or earlier.request_hash != claim.request_hash:
        raise Conflict(
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different request body",
        )
    body = earlier.response_body or {}
    return Submission(str(body.get("id", "")), body, replayed=True)


def cancel(
    session: Session,
    clinic_id: int,
    uid: uuid.UUID,
    *,
    actor: Actor,
    reason: str | None = None,
    request_id: str | None = None,
) -> ClinicOrder:
    """Cancel an order not yet dispensed or rejected: the workflow's cancel, without the
    staff's role check and written reason. Cancelling a cancelled order changes nothing:
    the clinic gets the order as it is, so a retried request is harmless."""
    with unit_of_work(session):
        prescription = _locked(session, clinic_id, uid)
        if prescription.status != Status.CANCELLED:
            try:
                change = workflow.move(prescription.status, Action.CANCEL, by=workflow.CLINIC)
            except workflow.Refused as refused:
                raise Conflict(refused.code, refused.message) from None
            prescription.status = change.to_status
            trail.write(
                session,
                status_changes=[
                    trail.status_change(
                        prescription.id,
                        *change,
                        actor,
                        reason=reason,
                        fill=prescription.current_fill,
                    )
                ],
                audit_events=[
                    trail.audit_event(
                        actor,
                        "prescription.cancelled",
                        prescription_id=prescription.id,
                        request_id=request_id,
                        from_status=change.from_status.value,
                        reason=reason,
                    )
                ],
            )
    return for_clinic(session, clinic_id, uid)


def refill(
    session: Session,
    clinic_id: int,
    actor: Actor,
    uid: uuid.UUID,
    *,
    today: date,
    render: Render,
    idempotency: IdempotencyClaim | None = None,
    request_id: str | None = None,
    sending_now: bool = False,
) -> Submission:
    """Start the next fill of one of the clinic's prescriptions (`refills.start_refill`).
    A refusal is a Conflict with the contract's code; a too-soon one says from when."""

    def start(prescription: Prescription) -> OutboxMessage:
        try:
            started = refills.start_refill(
                session,
                prescription,
                actor,
                via="api",
                today=today,
                request_id=request_id,
                sending_now=sending_now,
            )
        except refills.RefillRefused as refused:
            extra = {"earliest_on": refused.earliest_on.isoformat()} if refused.earliest_on else {}
            raise Conflict(refused.code, refused.message, extra) from None
        return started.work

    return _next_fill(session, clinic_id, uid, start, render=render, idempotency=idempotency)


def answer_question(
    session: Session,
    clinic_id: int,
    actor: Actor,
    uid: uuid.UUID,
    *,
    answer: str,
    changes: dict[str, Any],
    read_order: clarifications.ReadOrder,
    today: date,
    render: Render,
    idempotency: IdempotencyClaim | None = None,
    request_id: str | None = None,
    sending_now: bool = False,
) -> Submission:
    """The clinic answers the pharmacist's question about one of its prescriptions,
    with changes or without (`clarifications.take_answer`): the order is worked again as
    a new fill."""

    def start(prescription: Prescription) -> OutboxMessage:
        answered = clarifications.take_answer(
            session,
            prescription,
            actor,
            answer=answer,
            changes=changes,
            read_order=read_order,
            today=today,
            request_id=request_id,
            sending_now=sending_now,
        )
        return answered.work

    return _next_fill(session, clinic_id, uid, start, render=render, idempotency=idempotency)


def _next_fill(
    session: Session,
    clinic_id: int,
    uid: uuid.UUID,
    start: Callable[[Prescription], OutboxMessage],
    *,
    render: Render,
    idempotency: IdempotencyClaim | None,
) -> Submission:
    """A clinic's request that starts a prescription's next fill (`start`, given it
    locked), in one unit of work, answered as a retry under the same key is."""
    with unit_of_work(session):
        if idempotency is not None:
            earlier = _claim(session, clinic_id, idempotency)
            if earlier is not None:
                return earlier
        prescription = _locked(session, clinic_id, uid)
        work = start(prescription)
        body = render(for_clinic(session, clinic_id, uid))
        _remember(session, clinic_id, idempotency, prescription.id, body)
    return Submission(str(uid), body, work=work)


def _locked(session: Session, clinic_id: int, uid: uuid.UUID) -> Prescription:
    prescription = session.scalar(
        select(Prescription)
        .where(Prescription.uid == uid, Prescription.clinic_id == clinic_id)
        .with_for_update()
    )
    if prescription is None:
        raise NotFound("no such prescription for this clinic")
    return prescription


def _remember(
    session: Session,
    clinic_id: int,
    idempotency: IdempotencyClaim | None,
    prescription_id: int,
    body: dict[str, Any],
) -> None:
    """The answer a retry under the same Idempotency-Key gets back."""
    if idempotency is not None:
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.clinic_id == clinic_id, IdempotencyKey.key == idempotency.key)
            .values(prescription_id=prescription_id, response_body=body)
        )
