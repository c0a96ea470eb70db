"""Property-based run over the OpenAPI document: generated requests, valid and not,
never cause a 5xx, and every answer matches the document."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks

from pharmacy.api.openapi import document


def test_the_document_is_served_and_names_every_operation(client):
    served = client.get("/api/v1/openapi.json").get_json()
    assert served == document()
    operations = {op["operationId"] for path in served["paths"].values() for op in path.values()}
    assert operations == {
        "submitPrescription",
        "listPrescriptions",
        "getPrescription",
        "refillPrescription",
        "cancelPrescription",
        "answerRenewal",
        "answerClarification",
        "createWebhook",
        "listWebhooks",
        "deleteWebhook",
    }
    strength = served["components"]["schemas"]["MedicationIn"]["properties"]["strength_mg"]
    assert (strength["minimum"], strength["maximum"]) == (0.5, 4.5)


# Rules that tie fields together (NPI check digit, steps adding up to the days supply,
# dates relative to today) cannot be said in JSON Schema, so schema-valid data may
# rightly be refused with a 422; every other check runs, including that schema-invalid
# data is always refused.
NOT_EXPRESSIBLE = checks.positive_data_acceptance

OPERATIONS = [
    ("/api/v1/prescriptions", "POST"),
    ("/api/v1/prescriptions", "GET"),
    ("/api/v1/prescriptions/{prescription_id}", "GET"),
    ("/api/v1/prescriptions/{prescription_id}/cancel", "POST"),
    ("/api/v1/webhooks", "GET"),
    ("/api/v1/webhooks/{webhook_id}", "DELETE"),
]


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_no_request_makes_a_5xx_and_every_answer_matches_the_schema(app, clinic, path, method):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    strategy = schema[path][method].as_strategy()

    @given(data=st.data())
    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def call(data):
        case = data.draw(strategy)
        case.call_and_validate(headers=clinic.headers, excluded_checks=[NOT_EXPRESSIBLE])

    call()


def test_an_accepted_order_and_a_page_match_their_documented_schemas(client, clinic, prescription):
    import jsonschema

    served = client.get("/api/v1/openapi.json").get_json()
    schemas = served["components"]["schemas"]

    def conforms(instance, name):
        schema = {**schemas[name], "components": {"schemas": schemas}}
        jsonschema.Draft202012Validator(schema).validate(instance)

    created = client.post("/api/v1/prescriptions", json=prescription, headers=clinic.headers)
    assert created.status_code == 201
    conforms(created.get_json(), "PrescriptionOut")
    conforms(
        client.get("/api/v1/prescriptions", headers=clinic.headers).get_json(),
        "PrescriptionPageOut",
    )
    refused = client.post("/api/v1/prescriptions", json={}, headers=clinic.headers)
    conforms(refused.get_json(), "ErrorOut")


def test_the_openapi_document_is_valid_openapi(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)  # raises, naming the path, where the document breaks the spec
