"""Webhook endpoints as a clinic registers, lists and deletes them: the secret shown
once, only its own endpoints seen, and no URL into the pharmacy's own network."""

from __future__ import annotations

import base64
import uuid

import jsonschema
import pytest

from pharmacy.services.webhooks.events import EVENT_TYPES
from tests.support.clinics import make_clinic
from tests.support.webhooks import URL, register

HOOK = "http://127.0.0.1:9/ldn-events"  # loopback: allowed only with WEBHOOK_ALLOW_PRIVATE


@pytest.fixture
def private_allowed(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)


def listed(client, clinic) -> list[dict]:
    response = client.get(URL, headers=clinic.headers)
    assert response.status_code == 200
    return response.get_json()["items"]


def conforms(client, instance, name):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    jsonschema.Draft202012Validator({**schemas[name], "components": {"schemas": schemas}}).validate(
        instance
    )


def test_a_registered_endpoint_gets_a_secret_shown_once(client, clinic, private_allowed):
    created = register(client, clinic, HOOK, ["prescription.ready", "prescription.on_hold"])
    conforms(client, created, "WebhookCreatedOut")
    assert created["url"] == HOOK
    assert created["events"] == ["prescription.ready", "prescription.on_hold"]
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert 24 <= len(base64.b64decode(secret.removeprefix("whsec_"))) <= 64
    shown = listed(client, clinic)
    conforms(client, {"items": shown}, "WebhookListOut")
    [again] = [e for e in shown if e["id"] == created["id"]]
    assert "secret" not in again and secret not in str(shown)
    assert register(client, clinic, HOOK)["secret"] != secret  # each endpoint its own


def test_a_clinic_sees_and_deletes_only_its_own_endpoints(
    client, clinic, other_clinic, private_allowed
):
    mine = register(client, clinic, HOOK)
    theirs = register(client, other_clinic, HOOK)
    assert theirs["id"] not in {e["id"] for e in listed(client, clinic)}
    assert mine["id"] not in {e["id"] for e in listed(client, other_clinic)}

    refused = client.delete(f"{URL}/{theirs['id']}", headers=clinic.headers)
    assert refused.status_code == 404
    assert refused.get_json()["error"] == "not_found"
    assert theirs["id"] in {e["id"] for e in listed(client, other_clinic)}

    deleted = client.delete(f"{URL}/{mine['id']}", headers=clinic.headers)
    assert deleted.status_code == 204 and deleted.data == b""
    assert mine["id"] not in {e["id"] for e in listed(client, clinic)}
    assert client.delete(f"{URL}/{mine['id']}", headers=clinic.headers).status_code == 404
    for unknown in (str(uuid.uuid4()), "not-a-uuid"):
        assert client.delete(f"{URL}/{unknown}", headers=clinic.headers).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://172.16.5.4/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
    ],
)
def test_private_and_loopback_addresses_are_refused(client, clinic, url):
    response = client.post(
        URL, json={"url": url, "events": ["prescription.ready"]}, headers=clinic.headers
    )
    assert response.status_code == 422
    [detail] = response.get_json()["details"]
    assert detail["field"] == "url"
    assert "public server" in detail["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": HOOK, "events": ["prescription.ready"]}, "url"),  # http, and loopback
        ({"url": "ftp://example.com/x", "events": ["prescription.ready"]}, "url"),
        ({"url": "https://user:pw@example.com/x", "events": ["prescription.ready"]}, "url"),
        ({"url": "https://example.com/x", "events": ["prescription.compounded"]}, "events[0]"),
        ({"url": "https://example.com/x", "events": []}, "events"),
        ({"url": "https://example.com/x"}, "events"),
        ({"url": "https://example.com/x", "events": EVENT_TYPES[:1], "secret": "x"}, "secret"),
    ],
)
def test_a_bad_registration_is_refused_naming_the_field(client, clinic, body, field):
    response = client.post(URL, json=body, headers=clinic.headers)
    assert response.status_code == 422
    assert field in [d["field"] for d in response.get_json()["details"]]
    conforms(client, response.get_json(), "ErrorOut")


def test_a_clinic_has_at_most_ten_endpoints(client, app, private_allowed):
    busy = make_clinic(app)
    for _ in range(10):
        register(client, busy, HOOK)
    response = client.post(
        URL, json={"url": HOOK, "events": ["prescription.ready"]}, headers=busy.headers
    )
    assert response.status_code == 409
    assert response.get_json()["error"] == "too_many_endpoints"
    client.delete(f"{URL}/{listed(client, busy)[0]['id']}", headers=busy.headers)
    register(client, busy, HOOK)


def test_webhooks_need_an_api_key(client):
    assert client.get(URL).status_code == 401
    assert client.post(URL, json={"url": HOOK, "events": ["prescription.ready"]}).status_code == 401
    assert client.delete(f"{URL}/{uuid.uuid4()}").status_code == 401
