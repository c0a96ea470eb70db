"""Handing committed work to the broker.

The web app and the outbox sweep publish by task name through a small Celery client,
so nothing outside the worker entry point imports `workers`. Publishing never waits
long on a broker that is down: the order is already committed with its outbox row,
and the sweep publishes it once the broker is back.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from flask import Flask

VISIBILITY_TIMEOUT_S = 3600
TASK_FOR_TOPIC = {"prescription.received": "workers.tasks.work_prescription"}


def broker_options(config: dict[str, Any]) -> dict[str, Any]:
    """Celery settings shared by the publisher and the worker."""
    url = str(config["BROKER_URL"])
    # Redis hands an unacknowledged task to another worker after this long; the
    # embedded (SQLAlchemy) transport takes engine options here instead.
    transport = {"visibility_timeout": VISIBILITY_TIMEOUT_S} if url.startswith("redis") else {}
    return {
        "broker_url": url,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": transport,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
    }


class Queue:
    def init_app(self, app: Flask) -> None:
        client = Celery("pharmacy-publisher", set_as_current=False)
        client.conf.update(
            broker_options(app.config),
            broker_connection_timeout=2,
            broker_connection_retry=False,
            broker_connection_max_retries=0,
        )
        app.extensions["queue"] = client

    @staticmethod
    def sender(app: Flask):
        return sender_for(app.extensions["queue"], retry=False)


def sender_for(client: Celery, *, retry: bool = True):
    """A function that publishes an outbox message through `client`.

    The task id is the message's uid, so the worker can mark that message done.
    """

    def send(topic: str, payload: dict[str, Any], message_id: str, request_id: str | None):
        client.send_task(
            TASK_FOR_TOPIC[topic],
            kwargs={**payload, "request_id": request_id},
            task_id=message_id,
            retry=retry,
        )

    return send


queue = Queue()
