"""Every refusal of `POST /fhir/r4/MedicationRequest` is an OperationOutcome whose issue
names the element to fix by its FHIRPath, on each database, and writes nothing:

- 400: not a well-formed FHIR R4 resource (the FHIR models' own checks);
- 415: not FHIR JSON;
- 422: what the models do not bind (NPI, RxNorm 7243, UCUM mg, dose forms, units, an
  active order), the JSON API's schema rules, and its rules across fields, each at the
  element the refused field was read from.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pharmacy import create_app
from pharmacy.extensions import database
from tests.support import fhir
from tests.support.clinics import make_clinic
from tests.support.network import TcpRelay

MR = "MedicationRequest"
MEDICATION = f"{MR}.contained[0]"
PATIENT = f"{MR}.contained[1]"
PRACTITIONER = f"{MR}.contained[2]"
DOSE = f"{MR}.dosageInstruction[0].doseAndRate[0].doseQuantity"
REPEAT = f"{MR}.dosageInstruction[0].timing.repeat"


def setting(path: str, value: Any):
    """A change that sets the dotted `path` (numbers index lists) to `value`, or removes
    it for `...`."""

    def change(body: dict) -> None:
        *parents, last = path.split(".")
        target: Any = body
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is ...:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return change


def in_order_titration(second_dose: Any, second_days: Any = None):
    """Two steps in sequence: 1.5 mg for 15 days, then `second_dose` for 15."""

    def change(body: dict) -> None:
        body["dosageInstruction"] = [
            fhir.dosage(1, fhir.mg(1.5), fhir.days(15)),
            fhir.dosage(2, second_dose, second_days or fhir.days(15)),
        ]

    return change


def two_steps(**second: Any):
    def change(body: dict) -> None:
        first = fhir.dosage(1, fhir.mg(1.5), fhir.days(15))
        other = fhir.dosage(2, fhir.mg(3), fhir.days(15))
        for name, value in second.items():
            setting(name, value)(other)
        body["dosageInstruction"] = [first, other]

    return change


# (change, status, expression, words of the reason)
REFUSALS = {
    # The FHIR models: 400.
    "unknown element": (setting("dosage", []), 400, f"{MR}.dosage", "not an element"),
    "status missing": (setting("status", ...), 400, f"{MR}.status", "required"),
    "birth date not a date": (
        setting("contained.1.birthDate", "1980-13-45"),
        400,
        f"{PATIENT}.birthDate",
        "Date",
    ),
    "no such resource": (
        setting("contained.0.resourceType", "Medicine"),
        400,
        MEDICATION,
        "not a FHIR R4 resource",
    ),
    # What the models do not bind: 422.
    "not an active order": (setting("status", "draft"), 422, f"{MR}.status", "active"),
    "not an order": (setting("intent", "plan"), 422, f"{MR}.intent", "order"),
    "not to be done": (setting("doNotPerform", True), 422, f"{MR}.doNotPerform", "not"),
    "a modifier extension": (
        setting("modifierExtension", [{"url": "http://x.org/e", "valueBoolean": True}]),
        422,
        f"{MR}.modifierExtension",
        "modifierExtension",
    ),
    "a modifier extension inside an element": (
        setting(
            "dispenseRequest.modifierExtension",
            [{"url": "http://x.org/e", "valueBoolean": True}],
        ),
        422,
        f"{MR}.dispenseRequest.modifierExtension",
        "modifierExtension",
    ),
    "no NPI": (
        setting("contained.2.identifier.0.system", "http://hl7.org/fhir/sid/us-ssn"),
        422,
        f"{PRACTITIONER}.identifier",
        "NPI",
    ),
    "not naltrexone": (
        setting("contained.0.code.coding.0.code", "1191"),
        422,
        f"{MEDICATION}.code",
        "not naltrexone",
    ),
    "naltrexone not an ingredient": (
        setting("contained.0.ingredient.0.itemCodeableConcept", {"text": "naltrexone"}),
        422,
        f"{MEDICATION}.ingredient",
        "RxNorm 7243",
    ),
    "another active ingredient": (
        setting("contained.0.ingredient.1.isActive", True),
        422,
        f"{MEDICATION}.ingredient[1]",
        "only naltrexone",
    ),
    "strength in grams": (
        setting("contained.0.ingredient.0.strength.numerator.code", "g"),
        422,
        f"{MEDICATION}.ingredient[0].strength.numerator",
        "mg",
    ),
    "a capsule's strength per mL": (
        setting("contained.0.ingredient.0.strength.denominator", fhir.ml(1)),
        422,
        f"{MEDICATION}.ingredient[0].strength.denominator",
        "per capsule",
    ),
    "a tablet": (
        setting("contained.0.form.coding.0", {"system": fhir.SNOMED, "code": "385055001"}),
        422,
        f"{MEDICATION}.form",
        "capsule",
    ),
    "a code not a Medication": (
        setting("medicationCodeableConcept", {"coding": [fhir.NALTREXONE]}),
        400,  # medication[x] twice: the models refuse it first
        MR,
        "medication",
    ),
    "a patient elsewhere": (
        setting("subject", {"reference": "Patient/123"}),
        422,
        f"{MR}.subject",
        "not in this request",
    ),
    "a patient as prescriber": (
        setting("requester", {"reference": "#pat1"}),
        422,
        f"{MR}.requester",
        "Practitioner",
    ),
    "a dose in tablets": (
        setting(
            "dosageInstruction.0.doseAndRate.0.doseQuantity",
            {
                "value": 1,
                "system": "http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm",
                "code": "TAB",
            },
        ),
        422,
        DOSE,
        "mg",
    ),
    "a capsule dose in mL": (
        setting("dosageInstruction.0.doseAndRate.0.doseQuantity", fhir.ml(1)),
        422,
        DOSE,
        "capsules",
    ),
    "a dose range": (
        setting(
            "dosageInstruction.0.doseAndRate.0",
            {"doseRange": {"low": fhir.mg(1.5), "high": fhir.mg(3)}},
        ),
        422,
        f"{MR}.dosageInstruction[0].doseAndRate",
        "doseQuantity",
    ),
    "a step in months": (
        setting(
            "dosageInstruction.0.timing.repeat.boundsDuration",
            {"value": 1, "unit": "month", "system": fhir.UCUM, "code": "mo"},
        ),
        422,
        f"{REPEAT}.boundsDuration",
        "days or weeks",
    ),
    "every other day": (
        setting("dosageInstruction.0.timing.repeat.period", 2),
        422,
        f"{REPEAT}.period",
        "times a day",
    ),
    "a titration without sequence": (
        two_steps(sequence=...),
        422,
        f"{MR}.dosageInstruction[1].sequence",
        "sequence",
    ),
    "two steps of one sequence": (
        two_steps(sequence=1),
        422,
        f"{MR}.dosageInstruction[1].sequence",
        "sequence 1",
    ),
    "a titration step without bounds": (
        two_steps(**{"timing.repeat.boundsDuration": ...}),
        422,
        f"{MR}.dosageInstruction[1].timing.repeat.boundsDuration",
        "boundsDuration",
    ),
    "steps taken unlike times a day": (
        two_steps(**{"timing.repeat.frequency": 2}),
        422,
        f"{MR}.dosageInstruction[1].timing.repeat.frequency",
        "same number of times a day",
    ),
    # The JSON API's schema, at the element each field came from: 422.
    "a dose above LDN": (
        setting("dosageInstruction.0.doseAndRate.0.doseQuantity.value", 7),
        422,
        DOSE,
        "between 0.5 and 4.5 mg",
    ),
    "a titration step above LDN": (
        in_order_titration(fhir.mg(5)),
        422,
        f"{MR}.dosageInstruction[1].doseAndRate[0].doseQuantity",
        "between 0.5 and 4.5 mg",
    ),
    "a quoted dose": (
        setting("dosageInstruction.0.doseAndRate.0.doseQuantity.value", "1.5"),
        422,
        DOSE,
        "JSON number",
    ),
    "a quoted sequence": (
        two_steps(sequence="2"),
        422,
        f"{MR}.dosageInstruction[1].sequence",
        "whole number",
    ),
    "too many refills": (
        setting("dispenseRequest.numberOfRepeatsAllowed", 12),
        422,
        f"{MR}.dispenseRequest.numberOfRepeatsAllowed",
        "between 0 and 11",
    ),
    "a supply too long": (
        setting("dispenseRequest.expectedSupplyDuration", fhir.days(120)),
        422,
        f"{MR}.dispenseRequest.expectedSupplyDuration",
        "between 1 and 90",
    ),
    "an NPI whose check digit is wrong": (
        setting("contained.2.identifier.0.value", "1234567890"),
        422,
        f"{PRACTITIONER}.identifier[0].value",
        "check digit",
    ),
    "a birth year alone": (
        setting("contained.1.birthDate", "1980"),
        422,
        f"{PATIENT}.birthDate",
        "YYYY-MM-DD",
    ),
    "a patient without a family name": (
        setting("contained.1.name.0.family", ...),
        422,
        f"{PATIENT}.name[0].family",
        "required",
    ),
    "a phone number that is not one": (
        setting("contained.1.telecom.0.value", "call me"),
        422,
        f"{PATIENT}.telecom[0].value",
        "phone number",
    ),
    "a state that is not one": (
        setting("contained.1.address.0.state", "Ohio"),
        422,
        f"{PATIENT}.address[0].state",
        "state code",
    ),
    "no day written": (setting("authoredOn", ...), 422, f"{MR}.authoredOn", "required"),
    "not an ICD-10 code": (
        setting("reasonCode.0.coding.0.code", "fibro"),
        422,
        f"{MR}.reasonCode[0].coding[0].code",
        "ICD-10-CM",
    ),
    "a strength of two thirds of a mg": (
        setting(
            "contained.0.ingredient.0.strength",
            {"numerator": fhir.mg(2), "denominator": fhir.capsules(3)},
        ),
        422,
        f"{MEDICATION}.ingredient[0].strength",
        "decimals",
    ),
    "no directions": (
        setting("dosageInstruction", ...),
        422,
        f"{MR}.dosageInstruction",
        "required",
    ),
    # The JSON API's rules across fields (the submit service), at their elements: 422.
    "written tomorrow": (None, 422, f"{MR}.authoredOn", "future"),
    "a dose not a whole number of capsules": (
        setting("dosageInstruction.0.doseAndRate.0.doseQuantity.value", 2),
        422,
        DOSE,
        "whole number of 1.5 mg capsules",
    ),
    "more than 4.5 mg a day": (
        setting("dosageInstruction.0.timing.repeat.frequency", 4),
        422,
        DOSE,
        "above the low dose limit",
    ),
    "steps longer than the fills": (
        in_order_titration(fhir.mg(3), fhir.days(30)),
        422,
        f"{MR}.dosageInstruction",
        "must equal days_supply",
    ),
    "renewing no prescription of the clinic's": (
        setting(
            "priorPrescription",
            {"reference": "MedicationRequest/6f3e3a52-7c39-4c1e-9d2b-5a0f6c1e8b11"},
        ),
        422,
        f"{MR}.priorPrescription",
        "not the id",
    ),
}


@pytest.mark.parametrize("name", REFUSALS)
def test_each_refusal_names_the_element_to_fix(client, clinic, today, stored, name):
    change, status, expression, words = REFUSALS[name]
    body = fhir.for_patient(fhir.medication_request(today))
    if change is None:  # written tomorrow
        body["authoredOn"] = (today + timedelta(days=1)).isoformat()
    else:
        change(body)
    before = stored()

    response = fhir.send(client, clinic, body)

    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/fhir+json"
    found = fhir.issues(response)
    assert expression in found, found
    assert words in found[expression]
    assert stored() == before


def test_a_rule_of_the_json_api_names_its_field(client, clinic, today):
    body = fhir.for_patient(fhir.medication_request(today))
    in_order_titration(fhir.mg(5))(body)
    (issue,) = fhir.send(client, clinic, body).get_json()["issue"]
    assert issue == {
        "severity": "error",
        "code": "value",
        "details": {
            "text": "must be between 0.5 and 4.5 mg (low dose naltrexone)",
            "coding": [{"system": "urn:ldn-pharmacy:error", "code": "validation_failed"}],
        },
        "diagnostics": "api/v1 field directions.steps[1].dose_mg",
        "expression": ["MedicationRequest.dosageInstruction[1].doseAndRate[0].doseQuantity"],
    }


def test_every_fault_is_told_at_once(client, clinic, today):
    body = fhir.for_patient(fhir.medication_request(today))
    setting("contained.0.ingredient.0.strength.numerator.code", "g")(body)
    setting("dispenseRequest.numberOfRepeatsAllowed", 12)(body)
    setting("contained.1.birthDate", "1980")(body)
    found = fhir.issues(fhir.send(client, clinic, body))
    assert set(found) == {
        f"{MEDICATION}.ingredient[0].strength.numerator",
        f"{MR}.dispenseRequest.numberOfRepeatsAllowed",
        f"{PATIENT}.birthDate",
    }


def test_a_step_given_as_a_period_is_refused(client, clinic, today, stored):
    body = fhir.for_patient(fhir.medication_request(today))
    repeat = body["dosageInstruction"][0]["timing"]["repeat"]
    del repeat["boundsDuration"]
    repeat["boundsPeriod"] = {"start": today.isoformat()}
    before = stored()
    response = fhir.send(client, clinic, body)
    assert response.status_code == 422
    assert "boundsDuration" in fhir.issues(response)[f"{REPEAT}.boundsDuration"]
    assert stored() == before


@pytest.mark.parametrize(
    ("body", "content_type", "status", "words"),
    [
        (b"{not json", fhir.FHIR_JSON, 400, "not valid JSON"),
        (b"[]", fhir.FHIR_JSON, 400, "JSON object"),
        (b'{"resourceType": "Patient"}', fhir.FHIR_JSON, 400, "takes a MedicationRequest"),
        (b"resourceType=MedicationRequest", "text/plain", 415, "application/fhir+json"),
    ],
)
def test_what_is_not_a_fhir_medication_request(
    client, clinic, stored, body, content_type, status, words
):
    before = stored()
    response = client.post(
        fhir.MEDICATION_REQUESTS,
        data=body,
        headers={**clinic.headers, "Content-Type": content_type},
    )
    assert response.status_code == status
    assert words in response.get_json()["issue"][0]["details"]["text"]
    assert stored() == before


def test_no_key_or_a_bad_one_is_a_401_outcome(client, today):
    body = fhir.medication_request(today)
    for headers in ({}, {"Authorization": "Bearer not-a-key"}):
        response = client.post(
            fhir.MEDICATION_REQUESTS, json=body, headers={**headers, "Content-Type": fhir.FHIR_JSON}
        )
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["issue"][0]["code"] == "login"


def test_an_unknown_path_is_a_404_outcome(client, clinic):
    response = client.get(f"{fhir.BASE}/Patient/1", headers=clinic.headers)
    assert response.status_code == 404
    assert response.get_json()["issue"][0]["code"] == "not-found"


def test_a_body_over_64_kib_is_a_413_outcome(client, clinic, today):
    body = fhir.medication_request(today)
    body["note"] = [{"text": "x" * 70_000}]
    response = fhir.send(client, clinic, body)
    assert response.status_code == 413
    assert response.get_json()["issue"][0]["code"] == "too-costly"


@pytest.mark.parametrize(
    ("change", "expression", "words"),
    [
        (lambda b: b.update(type="batch"), "Bundle.type", "transaction"),
        (lambda b: b["entry"].append(b["entry"][0]), "Bundle.entry", "exactly one"),
        (
            lambda b: b["entry"][0]["resource"].update(subject={"reference": "urn:uuid:nope"}),
            "Bundle.entry[0].resource.subject",
            "not in this request",
        ),
        (
            lambda b: b["entry"][2]["resource"].update(birthDate="1980"),
            "Bundle.entry[2].resource.birthDate",
            "YYYY-MM-DD",
        ),
        (
            lambda b: b["entry"][0]["resource"]["dispenseRequest"].update(
                numberOfRepeatsAllowed=12
            ),
            "Bundle.entry[0].resource.dispenseRequest.numberOfRepeatsAllowed",
            "between 0 and 11",
        ),
    ],
)
def test_a_bundles_refusals_name_its_entries(
    client, clinic, today, stored, change, expression, words
):
    bundle = fhir.as_bundle(fhir.for_patient(fhir.medication_request(today)))
    change(bundle)
    before = stored()
    response = fhir.send(client, clinic, bundle)
    assert response.status_code == 422, response.get_json()
    found = fhir.issues(response)
    assert words in found[expression], found
    assert stored() == before


def test_a_lost_database_is_a_503_outcome(postgresql_url, today):
    relay = TcpRelay(5432)
    relay.start()
    url = postgresql_url.replace("127.0.0.1:5432", f"127.0.0.1:{relay.port}")
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    try:
        clinic = make_clinic(app)
    finally:
        relay.cut()
    down = fhir.send(app.test_client(), clinic, fhir.medication_request(today))
    database.bound(app).engine.dispose()
    assert down.status_code == 503
    assert down.headers["Retry-After"] == "5"
    assert down.get_json()["issue"][0]["code"] == "transient"


def test_a_number_past_any_sensible_size_is_refused(client, clinic, today, stored):
    """1e999999 is valid JSON and a valid FHIR decimal: no arithmetic is done with it."""
    body = fhir.for_patient(fhir.medication_request(today))
    body["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = fhir.capsules(123456789)
    text = json.dumps(body).replace("123456789", "1e999999")
    before = stored()
    response = client.post(
        fhir.MEDICATION_REQUESTS,
        data=text,
        headers={**clinic.headers, "Content-Type": fhir.FHIR_JSON},
    )
    assert response.status_code == 422
    assert "sensible size" in fhir.issues(response)[DOSE]
    assert stored() == before


# What a mangled request may hold in place of one of its values.
REPLACEMENTS = [
    "",
    "x",
    "#pat1",
    "#ldn",
    "d",
    "wk",
    "mo",
    "mg",
    "mL",
    "{capsule}",
    "7243",
    "order",
    "1980",
    "urn:uuid:1",
    fhir.UCUM,
    fhir.NPI,
    0,
    -1,
    2,
    2.5,
    91,
    True,
    None,
    [],
    {},
    [None],
    {"reference": "#f007"},
]


def _leaves(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))


def test_no_mangled_request_is_a_5xx(app, clinic, today):
    """Any element of the example or its Bundle replaced or removed, again and again:
    every answer is a 201 or a 4xx OperationOutcome, never a failure of the service."""
    client = app.test_client()

    @given(data=st.data())
    @settings(
        max_examples=120,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    def send(data):
        body = fhir.for_patient(fhir.titration(today))
        if data.draw(st.booleans(), label="bundle"):
            body = fhir.as_bundle(body)
        for _ in range(data.draw(st.integers(1, 3), label="changes")):
            path = data.draw(st.sampled_from([p for p in _leaves(body) if p]), label="path")
            parent = body
            for step in path[:-1]:
                parent = parent[step]
            if isinstance(parent, dict) and data.draw(st.booleans(), label="remove"):
                del parent[path[-1]]
            else:
                parent[path[-1]] = copy.deepcopy(data.draw(st.sampled_from(REPLACEMENTS)))
        response = fhir.send(client, clinic, body)
        assert response.status_code < 500, response.get_json()
        if response.status_code >= 400:
            assert response.get_json()["resourceType"] == "OperationOutcome"

    send()
