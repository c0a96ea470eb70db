"""The floor for bench/pipeline: the least a Celery task round trip costs here.

A bare Celery app configured like workers/app.py (same broker options, acks_late,
reject_on_worker_lost, prefetch 1, time limits) whose only task records that it ran:
one RPUSH of "<sent_at> <done_at>" to a Redis list. No Flask, no SQLAlchemy, no
database: whatever the real worker costs beyond this is its own. run.py checks that
these settings still match workers.app's before it measures.

Run it as `celery -A noop_app:celery_app worker ...` from this folder.
"""

from __future__ import annotations

import os
import time

import redis
from celery import Celery

# The bench's own Redis database (run.py uses this too), flushed before and after. Not
# BROKER_URL: a shell set up for the service must not point the bench at its queue.
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/12")
DONE_KEY = "bench:pipeline:noop-done"
TASK_NAME = "bench.pipeline.noop"
TASK_TIME_LIMIT_S = 300  # as workers/app.py

celery_app = Celery("bench-noop", set_as_current=False)
celery_app.conf.update(
    # pharmacy.queue.broker_options() for a Redis URL, spelled out so this process
    # imports neither Flask nor SQLAlchemy (its memory is the bare Celery baseline).
    # run.py compares these with workers.app's before it measures.
    broker_url=BROKER_URL,
    broker_connection_retry_on_startup=True,
    broker_transport_options={"visibility_timeout": 3600},
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    # workers/app.py make_celery()
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_time_limit=TASK_TIME_LIMIT_S,
    task_soft_time_limit=TASK_TIME_LIMIT_S - 30,
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
)

_done: redis.Redis | None = None  # one connection per pool process, made after the fork


@celery_app.task(name=TASK_NAME)
def noop(sent_at: float) -> None:
    global _done
    if _done is None:
        _done = redis.Redis.from_url(BROKER_URL)
    _done.rpush(DONE_KEY, f"{sent_at} {time.time()}")
