"""Rate limits on real Redis: an API key over its limit hears 429 with Retry-After,
other keys do not; logins from one address are slowed the same way."""

import uuid

import pytest

from pharmacy import create_app
from pharmacy.extensions import database
from pharmacy.services import SYSTEM
from pharmacy.services.admin import api_keys

REDIS = "redis://127.0.0.1:6379/14"


@pytest.fixture
def limited(app):
    limited = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "RATELIMIT_STORAGE_URI": REDIS,
            "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "API_RATE_LIMIT": "3 per minute",
            "LOGIN_RATE_LIMIT": "2 per minute",
        }
    )
    yield limited
    database.bound(limited).engine.dispose()


def new_key(app) -> str:
    with app.app_context():
        session = database.session
        clinic = api_keys.clinic_named(session, f"Limited {uuid.uuid4().hex[:6]}", create=True)
        _, key = api_keys.create_api_key(session, clinic, SYSTEM)
        session.commit()
    return key


def test_an_api_key_over_its_limit_hears_429_with_retry_after(limited):
    client = limited.test_client()
    busy = {"Authorization": f"Bearer {new_key(limited)}"}
    answers = [client.get("/api/v1/prescriptions", headers=busy) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.get_json()["error"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "X-RateLimit-Remaining" not in refused.headers  # no counter read per answer
    # Another clinic's key is counted on its own.
    other = {"Authorization": f"Bearer {new_key(limited)}"}
    assert client.get("/api/v1/prescriptions", headers=other).status_code == 200


def test_logins_from_one_address_are_slowed(limited):
    client = limited.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"username": "nobody", "password": "not the password", "csrf_token": token}
    answers = [client.post("/login", data=form).status_code for _ in range(3)]
    assert answers == [401, 401, 429]
    assert client.get("/login").status_code == 200  # reading the page is not limited
