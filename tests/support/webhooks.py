"""A clinic's webhook receiver, real, on loopback: it records every request and answers
200, or 500 for the first `failures` requests, or never (`hanging`, a server that took
the connection and died). With it: an endpoint registered through the API, the webhook
worker started as the operator starts one, and the deliveries as the database has them.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import select

from pharmacy.extensions import database
from pharmacy.models import WebhookDelivery, WebhookEvent
from pharmacy.services.webhooks.events import EVENT_TYPES
from tests.support.clinics import ClinicAccess
from tests.support.workers import CeleryProcess, Pharmacy

URL = "/api/v1/webhooks"
# Webhooks as the tests run them: loopback receivers allowed, rounds twice a second,
# retries a fifth of a second apart, refills due looked for every round.
WEBHOOK_ENV = {
    "WEBHOOK_ALLOW_PRIVATE": "true",
    "WEBHOOK_SCAN_INTERVAL_S": "0.5",
    "WEBHOOK_BACKOFF_S": "0.2",
    "WEBHOOK_BACKOFF_MAX_S": "1",
    "WEBHOOK_REFILL_DUE_EVERY_S": "0",
    "WEBHOOK_READ_TIMEOUT_S": "2",
}


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


class Receiver:
    """An HTTP server on 127.0.0.1 that keeps what it is sent."""

    def __init__(self, *, failures: int = 0, hanging: bool = False) -> None:
        self.failures = failures
        self.hanging = hanging
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.hanging:
                    receiver.stopping.wait(60)
                    return
                with receiver.lock:
                    failing = receiver.failures > 0
                    receiver.failures -= failing
                    status = 500 if failing else 200
                    receiver.received.append(
                        Received({k.lower(): v for k, v in self.headers.items()}, body, status)
                    )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/ldn-events"

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def accepted(self) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.answered == 200]

    def all(self) -> list[Received]:
        with self.lock:
            return list(self.received)


def register(client, clinic: ClinicAccess, url: str, events=EVENT_TYPES) -> dict:
    """An endpoint registered by `clinic` through the API: the answer, with its secret."""
    response = client.post(URL, json={"url": url, "events": list(events)}, headers=clinic.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def with_webhooks(pharmacy: Pharmacy) -> Pharmacy:
    """The pharmacy's processes and its API app run with `WEBHOOK_ENV`."""
    pharmacy.env.update(WEBHOOK_ENV)
    pharmacy.app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    return pharmacy


def webhook_worker(pharmacy: Pharmacy, concurrency: int = 2) -> CeleryProcess:
    """A worker of the webhook queue only, as `pharmacy worker --queues webhooks`."""
    process = CeleryProcess(
        pharmacy.env,
        pharmacy.folder,
        "worker",
        "--queues",
        "webhooks",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        "--hostname",
        f"webhooks-{time.monotonic_ns()}@%h",
    ).start()
    pharmacy.processes.append(process)
    return process


def deliveries(app, rx_number: int) -> list[dict[str, Any]]:
    """The deliveries of an Rx's events, in sequence order, as the database has them."""
    with app.app_context():
        rows = database.session.execute(
            select(
                WebhookEvent.type,
                WebhookEvent.sequence,
                WebhookDelivery.state,
                WebhookDelivery.attempts,
                WebhookDelivery.last_error,
            )
            .join(WebhookDelivery, WebhookDelivery.event_id == WebhookEvent.id)
            .where(WebhookEvent.prescription_id == rx_number)
            .order_by(WebhookEvent.sequence)
        ).all()
        return [row._asdict() for row in rows]
