"""A database that goes away gives 503, and the service recovers when it returns."""

import pytest

from pharmacy import create_app
from pharmacy.extensions import database
from tests.support.clinics import make_clinic
from tests.support.network import TcpRelay, free_port


@pytest.fixture
def relayed_app(postgresql_url):
    relay = TcpRelay(5432)
    relay.start()
    url = postgresql_url.replace("127.0.0.1:5432", f"127.0.0.1:{relay.port}")
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    yield app, relay
    relay.cut()
    database.bound(app).engine.dispose()


def test_a_lost_database_is_a_503_and_then_recovers(relayed_app, prescription):
    app, relay = relayed_app
    clinic = make_clinic(app)
    client = app.test_client()
    url = "/api/v1/prescriptions"
    assert client.post(url, json=prescription, headers=clinic.headers).status_code == 201

    relay.cut()
    down = client.post(url, json=prescription, headers=clinic.headers)
    assert down.status_code == 503
    assert down.get_json()["error"] == "unavailable"
    assert down.headers["Retry-After"] == "5"
    assert client.get("/healthz").status_code == 503

    relay.start()
    assert client.get("/healthz").status_code == 200
    back = client.post(url, json=prescription, headers=clinic.headers)
    assert back.status_code == 201
    listed = client.get(url, headers=clinic.headers).get_json()
    assert listed["total"] == 2  # nothing half-written while it was down


def test_an_order_taken_while_the_broker_is_down_waits_for_the_sweep(postgresql_url, prescription):
    from pharmacy.models import OutboxMessage

    closed_port = free_port()
    app = create_app(
        {
            "DATABASE_URL": postgresql_url,
            "BROKER_URL": f"redis://127.0.0.1:{closed_port}/0",
            "TESTING": True,
        }
    )
    clinic = make_clinic(app)
    response = app.test_client().post(
        "/api/v1/prescriptions", json=prescription, headers=clinic.headers
    )
    assert response.status_code == 201  # the order is safe in the database
    rx_number = int(response.get_json()["rx_number"])
    with app.app_context():
        message = (
            database.session.query(OutboxMessage)
            .filter(OutboxMessage.payload["prescription_id"].as_integer() == rx_number)
            .one()
        )
        assert message.published_at is None and message.processed_at is None
    database.bound(app).engine.dispose()


def test_healthz_says_when_the_broker_is_down_and_when_it_is_back(postgresql_url):
    import redis

    relay = TcpRelay(6379)
    relay.start()
    app = create_app(
        {
            "DATABASE_URL": postgresql_url,
            "BROKER_URL": f"redis://127.0.0.1:{relay.port}/11",
            "TESTING": True,
        }
    )
    client = app.test_client()
    try:
        up = client.get("/healthz")
        assert up.status_code == 200 and up.get_json()["broker"] == "up"
        relay.cut()
        down = client.get("/healthz")
        assert down.status_code == 503
        assert down.get_json() == {"status": "degraded", "broker": "down", "database": "up"}
        relay.start()
        assert client.get("/healthz").status_code == 200
    finally:
        relay.cut()
        database.bound(app).engine.dispose()
        redis.Redis(db=11).flushdb()
