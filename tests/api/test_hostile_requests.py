"""What a client can send that once made the service fail: each answers a clear 4xx
naming the problem, and nothing is stored."""

import pytest

from tests.support.orders import URL, submit, with_value


def test_a_null_diagnosis_is_the_same_as_none(client, clinic, prescription):
    response = submit(client, clinic, with_value(prescription, "diagnosis", None))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["diagnosis"] is None


@pytest.mark.parametrize("path", ["notes", "patient.phone", "patient.address", "prescriber.dea"])
def test_null_for_an_optional_field_is_accepted(client, clinic, prescription, path):
    assert submit(client, clinic, with_value(prescription, path, None)).status_code == 201


@pytest.mark.parametrize(
    "number", ["1e99999999999999999999", "-1e99999999999999999999", "1e-99999999999999999999"]
)
def test_an_absurd_exponent_is_refused_naming_the_field(
    client, clinic, prescription, stored, number
):
    import json

    body = json.dumps(with_value(prescription, "medication.strength_mg", "NUMBER"))
    body = body.replace('"NUMBER"', number)
    before = stored()
    response = client.post(URL, data=body, content_type="application/json", headers=clinic.headers)
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    problem = response.get_json()
    assert problem["error"] in ("malformed_json", "validation_failed")
    if response.status_code == 422:
        assert [d["field"] for d in problem["details"]] == ["medication.strength_mg"]
    assert stored() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/nowhere"),
        ("DELETE", "/api/v1/prescriptions"),
        ("PUT", "/api/v1/prescriptions/00000000-0000-0000-0000-000000000000"),
        ("GET", "/api/v1/prescriptions/not-a-uuid"),
    ],
)
def test_an_unknown_key_hears_401_whatever_the_route(client, method, path):
    response = client.open(path, method=method, headers={"Authorization": "Bearer ldn_nope"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def _chunked(client, clinic, body: bytes):
    import io

    return client.post(
        URL,
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={**clinic.headers, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )


def test_a_chunked_body_over_64_kib_is_refused_not_cut(client, clinic, prescription, stored):
    import json

    body = json.dumps(with_value(prescription, "notes", "x" * 1900)).encode()
    padded = body[:-1] + b"," + b" " * (70 * 1024) + b'"pad": 1}'
    before = stored()
    response = _chunked(client, clinic, padded)
    assert response.status_code == 413
    assert response.get_json()["error"] == "body_too_large"
    assert stored() == before


def test_a_chunked_body_under_the_limit_is_taken(client, clinic, prescription):
    import json

    assert _chunked(client, clinic, json.dumps(prescription).encode()).status_code == 201


def test_a_medication_sent_with_a_null_code_is_taken(client, clinic, prescription):
    body = with_value(
        prescription, "patient.medications", [{"name": "levothyroxine", "rxnorm": None}]
    )
    assert submit(client, clinic, body).status_code == 201
