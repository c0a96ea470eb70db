"""Prescriber API v1: submit, get, list and cancel a clinic's LDN prescriptions."""

from __future__ import annotations

import hashlib
import uuid

from flask import current_app, g, jsonify, request, url_for
from pydantic import ValidationError

from pharmacy.clock import pharmacy_today
from pharmacy.domain.prescription import PrescriptionOrder, Problem
from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.queue import queue
from pharmacy.services import Invalid
from pharmacy.services.intake import prescriptions, renewals
from pharmacy.services.reads import clinic_orders
from pharmacy.services.records import outbox

from . import blueprint, render
from .body import canonical, exact, plain, read_json
from .errors import ApiError, validation_details
from .examples import EXAMPLE_PRESCRIPTION
from .openapi import BODY_TOO_LARGE, operation
from .schemas import (
    IDEMPOTENCY_KEY_MAX,
    PAGE_MAX,
    PER_PAGE_DEFAULT,
    PER_PAGE_MAX,
    CancelIn,
    ClarificationIn,
    ListQuery,
    PrescriptionIn,
    PrescriptionOut,
    PrescriptionPageOut,
    PrescriptionPath,
    RefillIn,
    RenewalIn,
    RenewalOut,
    SubmitHeaders,
)


def _validated(model, payload):
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise ApiError(
            422,
            "validation_failed",
            "the request breaks the rules listed in details",
            validation_details(error),
        ) from None


def _idempotency(payload) -> prescriptions.IdempotencyClaim | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX or not key.isascii() or not key.isprintable():
        raise ApiError(
            400,
            "bad_idempotency_key",
            f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} printable ASCII characters",
        )
    return prescriptions.IdempotencyClaim(key, hashlib.sha256(canonical(payload)).hexdigest())


def _uid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ApiError(404, "not_found", "no such prescription for this clinic") from None


@blueprint.post("/prescriptions")
@operation(
    "submitPrescription",
    "Submit a prescription",
    headers=SubmitHeaders,
    json=PrescriptionIn,
    example=EXAMPLE_PRESCRIPTION,
    answers={
        201: (PrescriptionOut, "Stored; it is worked next"),
        400: "The body is not valid JSON",
        409: "The Idempotency-Key was used with another body",
        413: BODY_TOO_LARGE,
        415: "The body is not application/json",
        422: "The prescription breaks a rule; details name fields",
    },
)
def submit_prescription():
    payload = read_json()
    claim = _idempotency(payload)
    order = _validated(PrescriptionIn, payload).to_order()
    submission = prescriptions.submit(
        database.session,
        g.clinic_id,
        g.actor,
        order,
        as_sent=plain(payload),
        today=pharmacy_today(current_app.config),
        render=render.prescription,
        idempotency=claim,
        request_id=g.request_id,
        sending_now=True,
    )
    return _created(submission)


@blueprint.get("/prescriptions/<prescription_id>")
@operation(
    "getPrescription",
    "One prescription, with its status, quantity, BUD and price",
    path=PrescriptionPath,
    answers={
        200: (PrescriptionOut, "The prescription"),
        404: "Not one of this clinic's prescriptions",
    },
    invalid=404,
)
def get_prescription(prescription_id: str):
    found = clinic_orders.view(
        database.session,
        g.clinic_id,
        _uid(prescription_id),
        actor=g.actor,
        request_id=g.request_id,
    )
    return jsonify(render.prescription(found))


@blueprint.get("/prescriptions")
@operation(
    "listPrescriptions",
    "List the clinic's prescriptions, newest first",
    query=ListQuery,
    answers={
        200: (PrescriptionPageOut, "One page of prescriptions"),
        422: "A query parameter is out of range",
    },
)
def list_prescriptions():
    args = request.args
    status = args.get("status") or None
    if status is not None and status not in Status.__members__.values():
        raise ApiError(
            422,
            "validation_failed",
            "unknown status",
            [{"field": "status", "message": "must be one of " + ", ".join(Status)}],
        )
    page = _positive(args.get("page", "1"), "page", PAGE_MAX)
    per_page = _positive(args.get("per_page", str(PER_PAGE_DEFAULT)), "per_page", PER_PAGE_MAX)
    result = clinic_orders.list_for_clinic(
        database.session,
        g.clinic_id,
        status=Status(status) if status else None,
        page=page,
        per_page=per_page,
        actor=g.actor,
        request_id=g.request_id,
    )
    return jsonify(
        items=[render.prescription(p) for p in result.items],
        page=result.page,
        per_page=result.per_page,
        total=result.total,
    )


def _positive(text: str, name: str, maximum: int) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= maximum:
        raise ApiError(
            422,
            "validation_failed",
            f"{name} is out of range",
            [{"field": name, "message": f"must be a whole number from 1 to {maximum}"}],
        )
    return int(text)


@blueprint.post("/prescriptions/<prescription_id>/cancel")
@operation(
    "cancelPrescription",
    "Cancel a prescription not yet dispensed",
    path=PrescriptionPath,
    json=CancelIn,
    body_required=False,
    answers={
        200: (PrescriptionOut, "Cancelled (or already cancelled)"),
        400: "The body is not valid JSON",
        404: "Not one of this clinic's prescriptions",
        409: "Already dispensed or rejected",
        415: "The body is not application/json",
        422: "The reason breaks a rule",
    },
)
def cancel_prescription(prescription_id: str):
    body = _validated(CancelIn, read_json(optional=True))
    cancelled = prescriptions.cancel(
        database.session,
        g.clinic_id,
        _uid(prescription_id),
        actor=g.actor,
        reason=body.reason,
        request_id=g.request_id,
    )
    return jsonify(render.prescription(cancelled))


@blueprint.post("/prescriptions/<prescription_id>/refills")
@operation(
    "refillPrescription",
    "Start the next fill of a prescription",
    path=PrescriptionPath,
    headers=SubmitHeaders,
    json=RefillIn,
    body_required=False,
    answers={
        201: (PrescriptionOut, "The new fill is received; it is worked next"),
        400: "The body is not valid JSON",
        404: "Not one of this clinic's prescriptions",
        409: "No refill now: error is no_refills_left, expired, too_soon (with "
        "earliest_on), fill_in_progress or not_active; or the Idempotency-Key was used "
        "with another request",
        415: "The body is not application/json",
        422: "The body has a field a refill does not take",
    },
)
def refill_prescription(prescription_id: str):
    payload = read_json(optional=True)
    _validated(RefillIn, payload)
    uid = _uid(prescription_id)
    # The key covers which prescription is refilled, not just the (empty) body.
    claim = _idempotency({"refill_of": str(uid), "body": payload})
    submission = prescriptions.refill(
        database.session,
        g.clinic_id,
        g.actor,
        uid,
        today=pharmacy_today(current_app.config),
        render=render.prescription,
        idempotency=claim,
        request_id=g.request_id,
        sending_now=True,
    )
    return _created(submission)


@blueprint.post("/prescriptions/<prescription_id>/renewal")
@operation(
    "answerRenewal",
    "Decline the pharmacy's request to renew a prescription",
    path=PrescriptionPath,
    json=RenewalIn,
    answers={
        200: (RenewalOut, "The decline is recorded (or was already)"),
        400: "The body is not valid JSON",
        404: "Not one of this clinic's prescriptions",
        409: "error no_renewal_requested: the pharmacy asked for no renewal of it; "
        "already_renewed: a prescription renewing it was sent",
        413: BODY_TOO_LARGE,
        415: "The body is not application/json",
        422: "The body breaks a rule; approved true is refused: a renewal is a new "
        "prescription sent with renews",
    },
)
def answer_renewal(prescription_id: str):
    body = _validated(RenewalIn, read_json())
    if body.approved:
        raise ApiError(
            422,
            "validation_failed",
            "to renew, submit a new prescription with renews",
            [
                {
                    "field": "approved",
                    "message": "a renewal is a new prescription: submit it to "
                    'POST /api/v1/prescriptions with "renews": "<this id>"',
                }
            ],
        )
    declined = renewals.decline(
        database.session,
        g.clinic_id,
        _uid(prescription_id),
        actor=g.actor,
        reason=body.reason,
        request_id=g.request_id,
    )
    return jsonify(render.renewal(declined))


@blueprint.post("/prescriptions/<prescription_id>/clarification")
@operation(
    "answerClarification",
    "Answer the pharmacist's question, with any changes to the prescription",
    path=PrescriptionPath,
    headers=SubmitHeaders,
    json=ClarificationIn,
    answers={
        201: (PrescriptionOut, "Answered: the prescription is worked again as a new fill"),
        400: "The body is not valid JSON",
        404: "Not one of this clinic's prescriptions",
        409: "error not_awaiting_prescriber: no question waits for an answer; or the "
        "Idempotency-Key was used with another request",
        413: BODY_TOO_LARGE,
        415: "The body is not application/json",
        422: "The answer or the changed prescription breaks a rule; details name fields "
        "under changes.",
    },
)
def answer_clarification(prescription_id: str):
    payload = read_json()
    body = _validated(ClarificationIn, payload)
    uid = _uid(prescription_id)
    claim = _idempotency({"answer_to": str(uid), "body": payload})
    submission = prescriptions.answer_question(
        database.session,
        g.clinic_id,
        g.actor,
        uid,
        answer=body.answer,
        changes=plain(body.changes or {}),
        read_order=_changed_order,
        today=pharmacy_today(current_app.config),
        render=render.prescription,
        idempotency=claim,
        request_id=g.request_id,
        sending_now=True,
    )
    return _created(submission)


def _changed_order(body: dict) -> PrescriptionOrder:
    """A prescription changed by the clinic's answer, read by the rules of a new one."""
    try:
        return PrescriptionIn.model_validate(exact(body)).to_order()
    except ValidationError as error:
        problems = [Problem(d["field"], d["message"]) for d in validation_details(error)]
        raise Invalid(problems) from None


def _created(submission: prescriptions.Submission):
    """201 with the prescription, once its work is pushed to the queue (or left to the
    sweep when the push fails); a replayed retry says so."""
    if submission.work is not None:
        outbox.send_committed(database.session, queue.sender(current_app), submission.work)
    response = jsonify(submission.body)
    response.status_code = 201
    response.headers["Location"] = url_for(
        "api.get_prescription", prescription_id=submission.prescription_uid
    )
    if submission.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
