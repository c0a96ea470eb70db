"""A database that goes away gives 503, and the service recovers when it returns."""

import contextlib
import socket
import threading

import pytest

from pharmacy import create_app
from pharmacy.extensions import database
from tests.conftest import make_clinic


class TcpRelay:
    """Stands between the app and PostgreSQL, so a test can cut and restore the line."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = self._free_port()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None

    @staticmethod
    def _free_port() -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]

    def start(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=True)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        if self.listener is not None:
            # shutdown, not just close: it wakes the thread blocked in accept()
            self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
        for connection in self.sockets:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()
        self.sockets.clear()


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

    closed_port = TcpRelay._free_port()
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
