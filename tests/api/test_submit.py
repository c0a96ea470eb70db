"""Submitting a prescription: what is accepted, what is refused, and that a refusal
leaves nothing behind."""

import json

import pytest

from tests.support.orders import URL, submit, with_value


def test_an_accepted_prescription_is_stored_as_received(client, clinic, prescription):
    response = submit(client, clinic, prescription)
    assert response.status_code == 201
    created = response.get_json()
    assert created["status"] == "received"
    assert created["rx_number"].isdigit()
    assert created["medication"] == {"dosage_form": "capsule", "strength_mg": 1.5}
    assert created["patient"] == prescription["patient"]
    assert created["quantity"] is None and created["price"] is None
    follow = client.get(response.headers["Location"], headers=clinic.headers)
    assert follow.status_code == 200
    assert follow.get_json() == created


def test_one_submission_writes_the_order_its_audit_event_and_its_outbox_row(
    client, clinic, prescription, stored
):
    before = stored()
    assert submit(client, clinic, prescription).status_code == 201
    after = stored()
    assert after["prescriptions"] == before["prescriptions"] + 1
    assert after["audit_events"] == before["audit_events"] + 1
    assert after["outbox_messages"] == before["outbox_messages"] + 1


@pytest.mark.parametrize("mg", [0.5, 4.5, 1.75, 3])
def test_strengths_across_the_ldn_range_are_accepted(client, clinic, prescription, mg):
    body = with_value(prescription, "medication.strength_mg", mg)
    body = with_value(body, "directions.steps", [{"dose_mg": mg, "days": 30}])
    assert submit(client, clinic, body).status_code == 201


@pytest.mark.parametrize("mg", [0.49, 4.51, 0, -1, 5, "1.5", None, 1.123, True, [1.5], {}])
def test_a_strength_outside_the_rules_is_refused_naming_the_field(
    client, clinic, prescription, stored, mg
):
    before = stored()
    response = submit(client, clinic, with_value(prescription, "medication.strength_mg", mg))
    assert response.status_code == 422
    error = response.get_json()
    assert error["error"] == "validation_failed"
    assert "medication.strength_mg" in [d["field"] for d in error["details"]]
    assert stored() == before


@pytest.mark.parametrize("mg", [0.49, 4.51, 0, -1, 5, "1.5", None, 1.123])
def test_a_dose_outside_the_rules_is_refused_naming_the_step(client, clinic, prescription, mg):
    response = submit(client, clinic, with_value(prescription, "directions.steps.0.dose_mg", mg))
    assert response.status_code == 422
    fields = [d["field"] for d in response.get_json()["details"]]
    assert "directions.steps[0].dose_mg" in fields


def test_the_range_message_names_the_allowed_range(client, clinic, prescription):
    response = submit(client, clinic, with_value(prescription, "medication.strength_mg", 5))
    [detail] = response.get_json()["details"]
    assert detail == {
        "field": "medication.strength_mg",
        "message": "must be between 0.5 and 4.5 mg (low dose naltrexone)",
    }


def test_a_quoted_number_is_refused_as_a_string(client, clinic, prescription):
    response = submit(client, clinic, with_value(prescription, "medication.strength_mg", "1.5"))
    [detail] = response.get_json()["details"]
    assert "not a string" in detail["message"]


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("refills", 12, "refills"),
        ("refills", -1, "refills"),
        ("refills", 1.5, "refills"),
        ("refills", "2", "refills"),
        ("days_supply", 0, "days_supply"),
        ("days_supply", 91, "days_supply"),
        ("directions.times_per_day", 0, "directions.times_per_day"),
        ("directions.steps", [], "directions.steps"),
        ("prescriber.npi", "1234567890", "prescriber.npi"),
        ("prescriber.npi", 1234567893, "prescriber.npi"),
        ("prescriber.dea", "AB1234564", "prescriber.dea"),
        ("prescriber.phone", "555", "prescriber.phone"),
        ("patient.date_of_birth", "1980-02-30", "patient.date_of_birth"),
        ("patient.date_of_birth", "02/01/1980", "patient.date_of_birth"),
        ("patient.date_of_birth", 315532800, "patient.date_of_birth"),
        ("patient.date_of_birth", "2999-01-01", "patient.date_of_birth"),
        ("patient.first_name", "", "patient.first_name"),
        ("patient.first_name", "   ", "patient.first_name"),
        ("patient.first_name", "x" * 101, "patient.first_name"),
        ("patient.first_name", "Ada\u0000", "patient.first_name"),
        ("patient.last_name", "Love\u202elace\u0007", "patient.last_name"),
        ("patient.address.state", "ZZ", "patient.address.state"),
        ("patient.address.postal_code", "4321", "patient.address.postal_code"),
        (
            "patient.medications",
            [{"name": "oxycodone", "rxnorm": "x"}],
            "patient.medications[0].rxnorm",
        ),
        ("patient.medications", [42], "patient.medications[0]"),
        ("patient.allergies", "sulfa", "patient.allergies"),
        ("medication.dosage_form", "tablet", "medication.dosage_form"),
        ("medication.dosage_form", "slow_release_capsule", "medication.dosage_form"),
        ("diagnosis", "fibromyalgia", "diagnosis"),
        ("written_on", "2020-01-01", "written_on"),
        ("written_on", "2999-01-01", "written_on"),
        ("prescriber", ..., "prescriber"),
        ("patient.date_of_birth", ..., "patient.date_of_birth"),
        ("directions.steps.0.days", ..., "directions.steps[0].days"),
    ],
)
def test_each_rule_refuses_with_the_field_named(
    client, clinic, prescription, stored, path, value, field
):
    before = stored()
    response = submit(client, clinic, with_value(prescription, path, value))
    assert response.status_code == 422, response.get_json()
    fields = [d["field"] for d in response.get_json()["details"]]
    assert field in fields
    assert stored() == before


def test_titration_steps_must_add_up_to_the_days_supply(client, clinic, prescription):
    body = with_value(
        prescription, "directions.steps", [{"dose_mg": 1.5, "days": 14}, {"dose_mg": 3, "days": 14}]
    )
    response = submit(client, clinic, body)
    assert response.status_code == 422
    assert response.get_json()["details"] == [
        {
            "field": "directions.steps",
            "message": "the steps' days add up to 28 but must equal days_supply (30) or a "
            "whole number of fills of it, at most refills + 1 (3) fills: 60 or 90",
        }
    ]


def test_a_capsule_dose_must_be_whole_capsules(client, clinic, prescription):
    body = with_value(prescription, "directions.steps.0.dose_mg", 2)
    response = submit(client, clinic, body)
    assert response.status_code == 422
    [detail] = response.get_json()["details"]
    assert detail["field"] == "directions.steps[0].dose_mg"
    assert "whole number of 1.5 mg capsules" in detail["message"]


def test_a_titration_is_stored_step_by_step(client, clinic, prescription):
    steps = [{"dose_mg": 1.5, "days": 10}, {"dose_mg": 3, "days": 10}, {"dose_mg": 4.5, "days": 10}]
    response = submit(client, clinic, with_value(prescription, "directions.steps", steps))
    assert response.status_code == 201
    assert response.get_json()["directions"] == {"times_per_day": 1, "steps": steps}


def test_an_oral_liquid_is_accepted_at_one_mg_per_ml(client, clinic, prescription):
    body = with_value(prescription, "medication", {"dosage_form": "oral_liquid", "strength_mg": 1})
    body = with_value(body, "directions.steps", [{"dose_mg": 4.5, "days": 30}])
    assert submit(client, clinic, body).status_code == 201


def test_days_supply_defaults_to_thirty(client, clinic, prescription):
    response = submit(client, clinic, with_value(prescription, "days_supply", ...))
    assert response.status_code == 201
    assert response.get_json()["days_supply"] == 30


@pytest.mark.parametrize(
    ("first", "last"),
    [("José", "Núñez"), ("Siobhán", "O'Brien"), ("小龙", "李"), ("Zoë", "Ağaoğlu-Ødegård")],
)
def test_names_in_any_script_are_kept_exactly(client, clinic, prescription, first, last):
    body = with_value(prescription, "patient.first_name", first)
    body = with_value(body, "patient.last_name", last)
    created = submit(client, clinic, body).get_json()
    shown = client.get(f"{URL}/{created['id']}", headers=clinic.headers).get_json()
    assert (shown["patient"]["first_name"], shown["patient"]["last_name"]) == (first, last)


def test_medications_may_be_text_or_coded(client, clinic, prescription):
    meds = ["levothyroxine 50 mcg daily", {"name": "oxycodone 5 mg", "rxnorm": "7804"}]
    response = submit(client, clinic, with_value(prescription, "patient.medications", meds))
    assert response.status_code == 201
    assert response.get_json()["patient"]["medications"] == meds


def test_injection_strings_are_stored_as_plain_text(client, clinic, prescription, stored):
    text = "Robert'); DROP TABLE prescriptions;-- <script>alert(1)</script>"
    response = submit(client, clinic, with_value(prescription, "notes", text))
    assert response.status_code == 201
    assert response.get_json()["notes"] == text
    assert stored()["prescriptions"] >= 1


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("status", "ready"),
        ("price", {"total": "0.00"}),
        ("medication.release", "extended"),
        ("patient.ssn", "123-45-6789"),
        ("directions.steps.0.route", "IV"),
    ],
)
def test_unknown_fields_are_refused(client, clinic, prescription, stored, path, value):
    before = stored()
    response = submit(client, clinic, with_value(prescription, path, value))
    assert response.status_code == 422
    [detail] = response.get_json()["details"]
    assert detail["field"] == path.replace(".0.", "[0].")
    assert "unknown fields are refused" in detail["message"]
    assert stored() == before


def _raw(client, clinic, data, content_type="application/json"):
    return client.post(URL, data=data, headers={**clinic.headers, "Content-Type": content_type})


@pytest.mark.parametrize(
    "data",
    [
        b"{not json",
        b"",
        b'{"days_supply": NaN}',
        b'{"days_supply": Infinity}',
        b'{"refills": 1, "refills": 5}',
        b"\xff\xfe\x00",
        b"[" * 20000 + b"]" * 20000,
        b'{"notes": "\\ud800"}',
    ],
)
def test_malformed_json_is_a_400_and_stores_nothing(client, clinic, stored, data):
    before = stored()
    response = _raw(client, clinic, data)
    assert response.status_code in (400, 422)
    assert response.get_json()["error"] in ("malformed_json", "validation_failed")
    assert stored() == before


def test_a_lone_surrogate_is_refused_naming_the_field(client, clinic, prescription):
    text = json.dumps(prescription).replace('"free text for the pharmacist"', '"\\ud800"')
    response = _raw(client, clinic, text.encode())
    assert response.status_code == 422
    assert response.get_json()["details"][0]["field"] == "notes"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_a_415(client, clinic, prescription, content_type):
    response = _raw(client, clinic, json.dumps(prescription), content_type)
    assert response.status_code == 415
    assert response.get_json()["error"] == "unsupported_media_type"


def test_a_one_megabyte_body_is_a_413(client, clinic, prescription, stored):
    before = stored()
    body = with_value(prescription, "notes", "x" * (1024 * 1024))
    response = submit(client, clinic, body)
    assert response.status_code == 413
    assert response.get_json()["error"] == "body_too_large"
    assert stored() == before


def test_a_json_array_is_refused_as_not_an_object(client, clinic):
    response = _raw(client, clinic, b"[1, 2]")
    assert response.status_code == 422
    assert response.get_json()["details"] == [{"field": "body", "message": "must be an object"}]


def test_errors_never_carry_a_stack_trace(client, clinic):
    response = _raw(client, clinic, b'{"medication": {"strength_mg": 1e999999}}')
    assert response.status_code in (400, 422)
    assert "Traceback" not in response.get_data(as_text=True)
