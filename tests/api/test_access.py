"""API keys: who may call, and what each clinic may see."""

import pytest

from pharmacy.extensions import database
from pharmacy.models import ApiKey
from pharmacy.services import SYSTEM
from pharmacy.services.admin import api_keys
from pharmacy.services.intake import keys

URL = "/api/v1/prescriptions"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer ldn_not-a-real-key",
        "Bearer " + "x" * 5000,
    ],
)
def test_a_missing_or_unknown_key_is_a_401(client, prescription, stored, authorization):
    before = stored()
    headers = {"Authorization": authorization} if authorization is not None else {}
    for response in (
        client.post(URL, json=prescription, headers=headers),
        client.get(URL, headers=headers),
    ):
        assert response.status_code == 401
        assert response.get_json()["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert stored() == before


def test_a_key_in_the_query_string_is_not_accepted(client, clinic):
    response = client.get(f"{URL}?api_key={clinic.key}")
    assert response.status_code == 401


def test_a_revoked_key_is_a_401(app, client, clinic, prescription):
    assert client.get(URL, headers=clinic.headers).status_code == 200
    with app.app_context():
        api_keys.revoke_api_key(database.session, clinic.key[:12], SYSTEM)
        database.session.commit()
    response = client.post(URL, json=prescription, headers=clinic.headers)
    assert response.status_code == 401
    assert "revoked" in response.get_json()["message"]


def _revoked(app, clinic):
    with app.app_context():
        api_keys.revoke_api_key(database.session, clinic.key[:12], SYSTEM)
        database.session.commit()
    return clinic.headers


BAD_REQUESTS = {
    "a valid order": lambda order: {"json": order},
    "a rule broken": lambda order: {"json": {**order, "refills": 99}},
    "a field unknown": lambda order: {"json": {**order, "colour": "blue"}},
    "JSON malformed": lambda order: {
        "data": b'{"refills": ',
        "content_type": "application/json",
    },
    "not JSON": lambda order: {"data": b"refills=1", "content_type": "text/plain"},
    "a body of 1 MB": lambda order: {"json": {**order, "notes": "x" * 1_000_000}},
    "a key reused with another body": lambda order: {
        "json": {**order, "refills": 3},
        "headers": {"Idempotency-Key": "used-once"},
    },
}


@pytest.mark.parametrize("what", BAD_REQUESTS)
@pytest.mark.parametrize("key", ["unknown", "revoked"])
def test_a_bad_key_hears_401_whatever_it_sends(
    app, client, clinic, prescription, stored, what, key
):
    """A submission's key is looked up by the write itself; every refusal before the
    write looks it up first, so a bad key learns nothing about its request."""
    client.post(URL, json=prescription, headers={**clinic.headers, "Idempotency-Key": "used-once"})
    headers = _revoked(app, clinic) if key == "revoked" else {"Authorization": "Bearer ldn_unknown"}
    before = stored()
    request = BAD_REQUESTS[what](prescription)
    request["headers"] = {**headers, **request.get("headers", {})}
    response = client.post(URL, **request)
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.get_json()["message"] == "the API key is unknown or revoked"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert stored() == before


def test_only_the_hash_of_a_key_is_stored(app, clinic):
    with app.app_context():
        stored_values = [(k.prefix, k.key_hash) for k in database.session.query(ApiKey).all()]
    assert all(clinic.key not in values for values in stored_values)
    assert (clinic.key[:12], keys.hash_key(clinic.key)) in stored_values


def test_another_clinics_prescription_is_not_found(client, clinic, other_clinic, prescription):
    created = client.post(URL, json=prescription, headers=clinic.headers).get_json()
    theirs = f"{URL}/{created['id']}"
    assert client.get(theirs, headers=other_clinic.headers).status_code == 404
    cancel = client.post(f"{theirs}/cancel", headers=other_clinic.headers)
    assert cancel.status_code == 404
    assert client.get(theirs, headers=clinic.headers).get_json()["status"] == "received"
    listed = client.get(URL, headers=other_clinic.headers).get_json()
    assert created["id"] not in [p["id"] for p in listed["items"]]


@pytest.mark.parametrize(
    "bad_id", ["1000001", "not-a-uuid", "00000000-0000-0000-0000-000000000000"]
)
def test_an_unknown_id_is_a_json_404(client, clinic, bad_id):
    response = client.get(f"{URL}/{bad_id}", headers=clinic.headers)
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_an_unknown_api_path_is_a_json_404(client, clinic):
    response = client.get("/api/v1/nothing-here", headers=clinic.headers)
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_the_wrong_method_is_a_json_405(client, clinic):
    response = client.delete(URL, headers=clinic.headers)
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"


def test_the_api_sets_no_cookie(client, clinic, prescription):
    """Clinics are known by their keys; cookie sessions are the dashboard's alone."""
    created = client.post(URL, json=prescription, headers=clinic.headers)
    listed = client.get(URL, headers=clinic.headers)
    refused = client.get(URL)
    for response in (created, listed, refused):
        assert "Set-Cookie" not in response.headers
