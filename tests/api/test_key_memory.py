"""A web process remembers a live API key for API_KEY_CACHE_SECONDS: a clinic's
requests skip the lookup, and a key revoked by another process works here for at most
that long. The clock is the test's own, so nothing here waits."""

from __future__ import annotations

from sqlalchemy import update

from pharmacy.extensions import database
from pharmacy.models import ApiKey, utcnow
from pharmacy.services.intake.keys import KnownKeys


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _revoked_by_another_process(app, key: str) -> None:
    """As the command line or another web worker would: in the database only."""
    with app.app_context(), database.engine.begin() as connection:
        connection.execute(
            update(ApiKey).where(ApiKey.prefix == key[:12]).values(revoked_at=utcnow())
        )


def test_a_key_revoked_elsewhere_is_honoured_only_until_the_memory_ends(app, clinic):
    clock = Clock()
    known = KnownKeys(10, timer=clock)
    with app.app_context():
        assert known.holder(clinic.key, database.reading).clinic_id == clinic.id
        _revoked_by_another_process(app, clinic.key)
        clock.now = 9.9
        assert known.holder(clinic.key, database.reading).clinic_id == clinic.id
        clock.now = 10.1
        assert known.holder(clinic.key, database.reading) is None


def test_with_no_memory_a_revoked_key_is_refused_at_once(app, clinic):
    known = KnownKeys(0)
    with app.app_context():
        assert known.holder(clinic.key, database.reading) is not None
        _revoked_by_another_process(app, clinic.key)
        assert known.holder(clinic.key, database.reading) is None


def test_an_unknown_key_is_looked_up_every_time_and_never_remembered(app, clinic):
    known = KnownKeys(10, timer=Clock())
    with app.app_context():
        assert known.holder("ldn_not-a-key-of-ours", database.reading) is None
        assert known.holder("not even our prefix", database.reading) is None
        assert known.holder(clinic.key, database.reading).clinic_name == clinic.name
