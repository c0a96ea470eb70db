"""The limits the OpenAPI document states are the ones the routes enforce: each is read
from the document, then tried at the bound and one past it."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from openapi_spec_validator import validate

from pharmacy import MAX_BODY_BYTES
from pharmacy.api.openapi import document
from pharmacy.api.schemas import IDEMPOTENCY_KEY_MAX, PAGE_MAX, PER_PAGE_MAX
from pharmacy.domain.workflow import Status

URL = "/api/v1/prescriptions"


def operation(operation_id: str) -> dict:
    (found,) = [
        op
        for methods in document()["paths"].values()
        for op in methods.values()
        if op["operationId"] == operation_id
    ]
    return found


def parameter(operation_id: str, name: str) -> dict:
    (found,) = [p for p in operation(operation_id)["parameters"] if p["name"] == name]
    return found["schema"]


def test_the_document_is_valid_openapi_3_1_and_public(client):
    served = client.get("/api/v1/openapi.json")  # no API key
    assert served.status_code == 200
    assert served.get_json()["openapi"].startswith("3.1.")
    validate(document())


def test_every_api_route_is_in_the_document(app):
    documented = {
        (path, method.upper())
        for path, methods in document()["paths"].items()
        for method in methods
    }
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi_document"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == routes


@pytest.mark.parametrize("name", ["page", "per_page"])
def test_a_list_parameter_is_taken_up_to_its_documented_maximum_and_refused_past_it(
    client, clinic, name
):
    schema = parameter("listPrescriptions", name)
    assert (schema["minimum"], schema["maximum"]) == (
        1,
        {"page": PAGE_MAX, "per_page": PER_PAGE_MAX}[name],
    )
    for taken in (schema["minimum"], schema["maximum"]):
        assert client.get(f"{URL}?{name}={taken}", headers=clinic.headers).status_code == 200
    for refused in (schema["minimum"] - 1, schema["maximum"] + 1):
        response = client.get(f"{URL}?{name}={refused}", headers=clinic.headers)
        assert response.status_code == 422
        assert response.get_json()["details"] == [
            {"field": name, "message": f"must be a whole number from 1 to {schema['maximum']}"}
        ]


def test_the_documented_statuses_are_the_ones_the_list_takes(client, clinic):
    documented = parameter("listPrescriptions", "status")["enum"]
    assert documented == [s.value for s in Status]
    for status in documented:
        assert client.get(f"{URL}?status={status}", headers=clinic.headers).status_code == 200
    assert client.get(f"{URL}?status=lost_in_the_mail", headers=clinic.headers).status_code == 422


def _key(length: int) -> str:
    return uuid.uuid4().hex.ljust(length, "k")[:length]


def test_an_idempotency_key_is_taken_up_to_its_documented_length_and_refused_past_it(
    client, clinic, prescription
):
    schema = parameter("submitPrescription", "Idempotency-Key")
    assert (schema["minLength"], schema["maxLength"]) == (1, IDEMPOTENCY_KEY_MAX)
    for length, status in [(schema["maxLength"], 201), (schema["maxLength"] + 1, 400)]:
        headers = {**clinic.headers, "Idempotency-Key": _key(length)}
        assert client.post(URL, json=prescription, headers=headers).status_code == status


@pytest.mark.parametrize("key", ["retry ~1!", "naïve", "tab\tkey", "del\x7f"])
def test_an_idempotency_key_is_taken_when_the_documented_pattern_matches(
    client, clinic, prescription, key
):
    pattern = parameter("submitPrescription", "Idempotency-Key")["pattern"]
    key = f"{key}-{uuid.uuid4().hex[:8]}"
    headers = {**clinic.headers, "Idempotency-Key": key}
    response = client.post(URL, json=prescription, headers=headers)
    assert response.status_code == (201 if re.search(pattern, key) else 400)


def test_a_body_is_taken_up_to_the_documented_size_and_refused_past_it(
    app, client, clinic, prescription
):
    answers = operation("submitPrescription")["responses"]
    assert answers["413"]["description"] == f"The body is over {MAX_BODY_BYTES // 1024} KiB"
    assert app.config["MAX_CONTENT_LENGTH"] == MAX_BODY_BYTES
    body = json.dumps(prescription).encode()
    for size, status in [(MAX_BODY_BYTES, 201), (MAX_BODY_BYTES + 1, 413)]:
        padded = body + b" " * (size - len(body))  # whitespace after the JSON is allowed
        response = client.post(
            URL, data=padded, content_type="application/json", headers=clinic.headers
        )
        assert response.status_code == status
