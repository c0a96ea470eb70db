"""Handing committed work to the broker.

The web app and the outbox sweep publish by task name through a small Celery client,
so nothing outside the worker entry point imports `workers`. Publishing never waits
long on a broker that is down: the order is already committed with its outbox row,
and the sweep publishes it once the broker is back.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import redis
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
        url = str(app.config["BROKER_URL"])
        app.extensions["queue_sender"] = (
            RedisSender(client, url)
            if url.startswith(("redis://", "rediss://"))
            else sender_for(client, retry=False)
        )

    @staticmethod
    def sender(app: Flask):
        return app.extensions["queue_sender"]


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


class RedisSender:
    """Publishes a task straight onto a Redis broker's queue: one LPUSH of the message
    a Celery producer would push, without the producer pool and channel set-up around
    it, which cost a web request more than the push itself (bench/intake).

    The task message is Celery's own (`as_task_v2`, protocol 2); around it goes kombu's
    Redis envelope, as kombu's Redis transport writes it for the default exchange and
    the default queue. tests/workers/test_publishing.py holds the two side by side and
    has a real worker take what this pushes. The sweep still publishes through Celery.
    """

    def __init__(self, client: Celery, url: str) -> None:
        self.celery = client
        self.queue = client.conf.task_default_queue
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def __call__(
        self, topic: str, payload: dict[str, Any], message_id: str, request_id: str | None
    ) -> None:
        kwargs = {**payload, "request_id": request_id}
        task = self.celery.amqp.as_task_v2(
            message_id,
            TASK_FOR_TOPIC[topic],
            kwargs=kwargs,
            ignore_result=True,
            # Ids only, so a plain repr is safe to show in the worker's logs.
            argsrepr="()",
            kwargsrepr=repr(kwargs),
        )
        body = json.dumps(task.body).encode()
        envelope = {
            "body": base64.b64encode(body).decode(),
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": task.headers,
            "properties": {
                **task.properties,
                "delivery_mode": 2,  # persistent
                "delivery_info": {"exchange": "", "routing_key": self.queue},
                "priority": 0,
                "body_encoding": "base64",
                "delivery_tag": str(uuid.uuid4()),
            },
        }
        self.redis.lpush(self.queue, json.dumps(envelope))


queue = Queue()


# A key the broker keeps while it keeps its queues. Redis that restarts without its
# data, or is flushed, loses it with the tasks; finding it gone tells the sweep to send
# again at once every message not yet worked, instead of waiting out the redelivery
# timer for each.
BROKER_MARKER = "pharmacy:broker-marker"


def broker_lost(broker_url: str) -> bool:
    """Whether the broker's marker was missing (and is now set): the broker is new or
    lost what it held. Only Redis is asked; other brokers answer False."""
    if not broker_url.startswith(("redis://", "rediss://")):
        return False
    client = redis.Redis.from_url(broker_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return bool(client.set(BROKER_MARKER, "1", nx=True))
    finally:
        client.close()


def broker_reachable(broker_url: str) -> bool:
    """A ping of a Redis broker (other brokers: assumed up)."""
    if not broker_url.startswith(("redis://", "rediss://")):
        return True
    client = redis.Redis.from_url(broker_url, socket_timeout=1, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()
