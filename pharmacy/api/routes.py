"""Prescriber API v1: submit, get, list and cancel a clinic's LDN prescriptions."""

from __future__ import annotations

import hashlib
import uuid

from flask import current_app, g, jsonify, request, url_for
from pydantic import ValidationError

from pharmacy.clock import pharmacy_today
from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.queue import queue
from pharmacy.services.intake import prescriptions
from pharmacy.services.records import outbox

from . import blueprint, render
from .body import canonical, plain, read_json
from .errors import ApiError, validation_details
from .schemas import CancelIn, PrescriptionIn

PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 200


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
    if not 1 <= len(key) <= 255 or not key.isascii() or not key.isprintable():
        raise ApiError(
            400,
            "bad_idempotency_key",
            "Idempotency-Key must be 1 to 255 printable ASCII characters",
        )
    return prescriptions.IdempotencyClaim(key, hashlib.sha256(canonical(payload)).hexdigest())


def _uid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ApiError(404, "not_found", "no such prescription for this clinic") from None


@blueprint.post("/prescriptions")
def submit_prescription():
    payload = read_json()
    claim = _idempotency(payload)
    order = _validated(PrescriptionIn, payload).to_order()
    submission = prescriptions.submit(
        database.session,
        g.presented_key,  # the write finds the clinic (auth.present_key)
        order,
        as_sent=plain(payload),
        actor=None,
        today=pharmacy_today(current_app.config),
        render=render.prescription,
        idempotency=claim,
        request_id=g.request_id,
        sending_now=True,
    )
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


@blueprint.get("/prescriptions/<prescription_id>")
def get_prescription(prescription_id: str):
    found = prescriptions.view(
        database.session,
        g.clinic_id,
        _uid(prescription_id),
        actor=g.actor,
        request_id=g.request_id,
    )
    return jsonify(render.prescription(found))


@blueprint.get("/prescriptions")
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
    page = _positive(args.get("page", "1"), "page", 1_000_000)
    per_page = _positive(args.get("per_page", str(PER_PAGE_DEFAULT)), "per_page", PER_PAGE_MAX)
    result = prescriptions.list_for_clinic(
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
