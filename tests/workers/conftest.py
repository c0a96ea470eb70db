"""Real Celery workers on real Redis and PostgreSQL, started as the operator would
(`tests/support/workers.py`).

Each module gets its own PostgreSQL database with the default reference data and the
demo lots. Workers and beat run as subprocesses of `celery -A workers.app:celery_app`;
the API runs in-process against the same database and broker.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.support.databases import fresh_postgresql_database, stock
from tests.support.workers import Pharmacy, RedisServer


@pytest.fixture(scope="module")
def worker_database() -> Iterator[str]:
    with fresh_postgresql_database() as url:
        stock(url)
        yield url


@pytest.fixture
def machine_redis() -> Iterator[str]:
    """This machine's Redis, on a database number of the tests' own, emptied first."""
    url = "redis://127.0.0.1:6379/9"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pharmacy_on(worker_database, tmp_path):
    made: list[Pharmacy] = []

    def make(broker_url: str) -> Pharmacy:
        made.append(Pharmacy(worker_database, broker_url, tmp_path))
        return made[-1]

    yield make
    for pharmacy in made:
        pharmacy.close()
