"""HL7 FHIR R4 endpoints: a prescription sent as a MedicationRequest (alone, or in a
transaction Bundle), read back with its status, and its dispensed fills.

A MedicationRequest becomes the JSON API's submit body (`mapping`), which goes through
the same schema (`schemas.PrescriptionIn`) and the same submit service as
`POST /api/v1/prescriptions`: every rule, refusal, idempotency and clinic boundary is
that API's. Its refusals come back as OperationOutcome issues placed at the FHIR
elements the refused fields were read from.

The EHR's order number (`identifier`) is the idempotency key, scoped to the clinic as
/api/v1's Idempotency-Key is (and apart from those keys): the same order sent again
answers 200 OK with the order made the first time, as FHIR's conditional create does;
the same order number with a different order is refused with 422 and an issue of type
`duplicate` (409 is for version conflicts in FHIR). Whether two sendings are the same
order is judged on the order they make, not on their bytes: a retry may come as a
Bundle or alone, with new fullUrls or a new narrative.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from flask import current_app, g, request, url_for
from pydantic import ValidationError

from pharmacy.clock import pharmacy_today
from pharmacy.extensions import database
from pharmacy.queue import queue
from pharmacy.services import Conflict, Invalid, NotFound
from pharmacy.services.intake import prescriptions
from pharmacy.services.reads import clinic_orders
from pharmacy.services.records import outbox

from ..body import canonical, plain
from ..errors import validation_details
from ..schemas import PrescriptionIn
from . import blueprint, mapping, reading, resources
from .outcome import FhirRefusal, Issue, fhir_response, refused

REQUIRED = "is required"


@blueprint.get("/metadata")
def capability_statement():
    return fhir_response(resources.capability_statement(_base()))


@blueprint.post("/MedicationRequest")
def create_medication_request():
    sent = reading.medication_request(reading.read_body())
    order, created = _create(sent)
    return _created(order, order, created)


@blueprint.post("")
@blueprint.post("/")
def transaction():
    sent = reading.transaction(reading.read_body())
    order, created = _create(sent)
    kinds = [entry.kind for entry in sent.entries]
    answer = resources.transaction_response(kinds, order, _location(order), not created)
    return _created(order, answer, created)


@blueprint.get("/MedicationRequest/<prescription_id>")
def read_medication_request(prescription_id: str):
    return fhir_response(resources.medication_request(_viewed(prescription_id), _today()))


@blueprint.get("/MedicationDispense")
def search_medication_dispenses():
    wanted = request.args.get("prescription")
    if not wanted:
        raise refused(
            400,
            "required",
            "search dispenses by prescription: ?prescription=MedicationRequest/<id>",
        )
    try:
        order = _viewed(wanted.rstrip("/").rsplit("/", 1)[-1])
    except NotFound:
        order = None  # a search that finds nothing: another clinic's looks the same
    found = resources.dispensed_fills(order) if order else []
    dispenses = [resources.medication_dispense(order, fill) for fill in found]
    return fhir_response(resources.searchset(dispenses, request.url, _base()))


@blueprint.get("/MedicationDispense/<dispense_id>")
def read_medication_dispense(dispense_id: str):
    prescription_id, _, number = dispense_id.rpartition("-")
    order = _viewed(prescription_id)
    for fill in resources.dispensed_fills(order):
        if str(fill.number) == number:
            return fhir_response(resources.medication_dispense(order, fill))
    raise NotFound("no such dispense for this clinic")


def _create(sent: reading.Request) -> tuple[dict[str, Any], bool]:
    """Submit the order the request makes: the MedicationRequest answered, and whether
    it was made now (False: a retry of one made before)."""
    mapped = mapping.read(sent)
    issues = list(mapped.problems)
    try:
        checked = PrescriptionIn.model_validate(mapped.body)
    except ValidationError as error:
        issues += [
            mapped.issue(
                "required" if detail["message"] == REQUIRED else "value",
                detail["field"],
                detail["message"],
            )
            for detail in validation_details(error)
            if not mapped.refused_here(detail["field"])
        ]
    if issues:
        raise FhirRefusal(422, issues, error_code="validation_failed")
    number = mapped.order_number
    claim = (
        None
        if number is None
        else prescriptions.IdempotencyClaim(
            number.key, hashlib.sha256(canonical(mapped.body)).hexdigest()
        )
    )
    today = _today()
    try:
        submission = prescriptions.submit(
            database.session,
            g.clinic_id,
            g.actor,
            checked.to_order(),
            as_sent=plain(mapped.body),
            today=today,
            render=lambda shown: resources.medication_request(shown, today, number),
            idempotency=claim,
            request_id=g.request_id,
            sending_now=True,
        )
    except Invalid as invalid:
        issues = [mapped.issue("business-rule", p.field, p.message) for p in invalid.problems]
        raise FhirRefusal(422, issues, error_code=invalid.code) from None
    except Conflict as conflict:
        assert number is not None  # only a claimed order number conflicts
        issue = Issue(
            "duplicate",
            f"the order number {number.system or ''}|{number.value} was already sent with "
            "a different prescription: send a new order under a new number",
            number.expression,
        )
        raise FhirRefusal(422, [issue], error_code=conflict.code) from None
    if submission.work is not None:
        outbox.send_committed(database.session, queue.sender(current_app), submission.work)
    return submission.body, not submission.replayed


def _created(order: dict[str, Any], body: dict[str, Any], created: bool):
    headers = {"Location": _location(order)}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    return fhir_response(body, 201 if created else 200, headers)


def _location(order: dict[str, Any]) -> str:
    return url_for("fhir.read_medication_request", prescription_id=order["id"], _external=True)


def _viewed(prescription_id: str) -> clinic_orders.ClinicOrder:
    try:
        uid = uuid.UUID(prescription_id)
    except ValueError:
        raise NotFound("no such prescription for this clinic") from None
    return clinic_orders.view(
        database.session, g.clinic_id, uid, actor=g.actor, request_id=g.request_id
    )


def _today():
    return pharmacy_today(current_app.config)


def _base() -> str:
    return url_for("fhir.capability_statement", _external=True).removesuffix("/metadata")
