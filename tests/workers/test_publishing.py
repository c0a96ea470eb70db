"""The web app pushes each order's task straight onto Redis: the message must be the
one Celery itself would send, and a real worker must take it (test_pipeline.py runs
orders that way end to end)."""

import base64
import json
import uuid

import pytest
import redis
from flask import Flask

from pharmacy.queue import Queue, RedisSender, sender_for

# Differ from one message to the next, or name the process that sent it.
PER_MESSAGE = {"delivery_tag", "reply_to", "origin"}


def pushed(client: redis.Redis) -> dict:
    message = json.loads(client.lpop("celery"))
    message["body"] = json.loads(base64.b64decode(message["body"]))
    for part in ("headers", "properties"):
        message[part] = {k: v for k, v in message[part].items() if k not in PER_MESSAGE}
    return message


def publisher(url: str) -> Flask:
    app = Flask("publisher")
    app.config["BROKER_URL"] = url
    Queue().init_app(app)
    return app


def test_the_message_pushed_is_the_one_celery_would_send(own_redis):
    app = publisher(own_redis.url)
    client = redis.Redis.from_url(own_redis.url)
    direct = Queue.sender(app)
    assert isinstance(direct, RedisSender)
    through_celery = sender_for(app.extensions["queue"], retry=False)
    task_id = str(uuid.uuid4())
    direct("prescription.received", {"prescription_id": 1000042}, task_id, "req-1")
    ours = pushed(client)
    through_celery("prescription.received", {"prescription_id": 1000042}, task_id, "req-1")
    celerys = pushed(client)
    # Celery leaves the choice to the worker's setting, which ignores results too.
    assert celerys["headers"].pop("ignore_result") in (None, True)
    assert ours["headers"].pop("ignore_result") is True
    assert ours == celerys
    assert ours["body"][1] == {"prescription_id": 1000042, "request_id": "req-1"}


def test_a_broker_that_is_down_is_reported_to_the_caller(own_redis):
    app = publisher(own_redis.url)
    own_redis.stop()
    # The order's outbox row then waits for the sweep (test_unavailable.py).
    with pytest.raises(redis.RedisError):
        Queue.sender(app)("prescription.received", {"prescription_id": 1}, str(uuid.uuid4()), None)
