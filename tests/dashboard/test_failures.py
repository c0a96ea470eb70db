"""A request that fails part-way writes nothing. No view commits or rolls back: a
service refuses inside its unit of work, and the session of every request is closed at
its end, which rolls back whatever a failed request left unfinished."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pharmacy.extensions import database
from pharmacy.models import AuditEvent
from pharmacy.services import Conflict
from pharmacy.services.counter import printing
from pharmacy.services.records import trail

HALF_DONE = "test.half_done"


def writes_then_fails(failure: Exception):
    """A print that writes its audit event, outside any unit of work, then fails."""

    def print_receipt(session, actor, rx_number, *_args, **_options):
        trail.record(session, actor, HALF_DONE, prescription_id=int(rx_number))
        raise failure

    return print_receipt


@pytest.mark.parametrize(
    ("failure", "status", "says"),
    [
        (RuntimeError("a fault in the code"), 500, "Quote this reference to support"),
        (Conflict("refused", "refused after a write"), 409, "refused after a write"),
    ],
    ids=["unexpected error", "refusal"],
)
def test_a_request_that_fails_after_writing_leaves_nothing_written(
    app, desk, accounts, pharmacy, monkeypatch, failure, status, says
):
    rx = pharmacy.ready()
    station = desk(accounts["pharmacist"])
    monkeypatch.setattr(printing, "print_receipt", writes_then_fails(failure))
    response = station.post(f"/orders/{rx}/receipt")
    assert response.status_code == status
    assert says in response.get_data(as_text=True)
    with app.app_context():
        written = database.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == HALF_DONE)
        )
    assert written == 0
    # The connection went back to the pool clean: the next request is served.
    assert station.get(f"/orders/{rx}").status_code == 200
