"""Fixtures: a real database per backend (PostgreSQL and SQLite), migrated by Alembic,
a stocked app on it, a clinic and its key, and the example prescription. The helpers
they use are in `tests/support/`."""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Iterator
from datetime import date

import pytest

from pharmacy import config
from pharmacy.clock import pharmacy_today
from pharmacy.extensions import database
from pharmacy.migrations import upgrade
from tests.support.clinics import ClinicAccess, make_clinic
from tests.support.databases import fresh_postgresql_database, row_counts, stocked_app
from tests.support.orders import prescription_on

# Anything a test starts without naming its own folders writes here, not in the checkout.
os.environ["PHARMACY_INSTANCE"] = tempfile.mkdtemp(prefix="ldn-test-instance-")
# The suite signs in and submits from one address and a few keys far faster than any
# pharmacy: the limits are tested on their own (test_rate_limits), set low there.
os.environ.setdefault("API_RATE_LIMIT", "1000000 per minute")
os.environ.setdefault("LOGIN_RATE_LIMIT", "1000000 per minute")


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    with fresh_postgresql_database() as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'pharmacy.sqlite'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session", params=["postgresql", "sqlite"])
def database_kind(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(request, database_kind) -> str:
    return request.getfixturevalue(f"{database_kind}_url")


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    with stocked_app(database_url, tmp_path_factory.mktemp("instance")) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    with app.app_context():
        yield database.session


@pytest.fixture
def today() -> date:
    return pharmacy_today(config.from_environment())


@pytest.fixture
def clinic(app) -> ClinicAccess:
    return make_clinic(app)


@pytest.fixture
def other_clinic(app) -> ClinicAccess:
    return make_clinic(app)


@pytest.fixture
def prescription(today) -> dict:
    """A fresh copy of the api.md example, written yesterday so it is always current."""
    return prescription_on(today)


@pytest.fixture
def stored(app):
    """A snapshot of what the database holds, to prove a refusal wrote nothing."""
    return functools.partial(row_counts, app)
