"""A worker's task takes other waiting orders along with its own: each order of such a
batch must come out exactly as if it had been worked alone, once, and an order that
cannot be worked must not stop the others.

A database of this module's own (PostgreSQL and SQLite): a batch takes along every
received order it finds, so no other test's orders may wait in it.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from pharmacy.clock import pharmacy_today
from pharmacy.domain.workflow import Status
from pharmacy.extensions import database
from pharmacy.models import (
    Alert,
    AuditEvent,
    OutboxMessage,
    Prescription,
    PriceLine,
    StatusChange,
    Worksheet,
)
from pharmacy.services import worker as work
from tests.support.clinics import make_clinic
from tests.support.databases import app_of_its_own
from tests.support.orders import changed, prescription_on, submitted

TAKE_ALONG = 24  # as the worker's task

# A pharmacy's mixed day: each order as (patient, changes to the example prescription).
TITRATION = [{"dose_mg": 1.5, "days": 10}, {"dose_mg": 3, "days": 10}, {"dose_mg": 4.5, "days": 10}]
MIXED = [
    ("Plain", {}),
    ("Opioid", {"medications": ["oxyCODONE 5 mg every 6 hours as needed"]}),
    ("Liquid", {"dosage_form": "oral_liquid", "strength_mg": 1}),
    ("Titrating", {"directions": {"times_per_day": 1, "steps": TITRATION}}),
    ("Twice", {}),  # two orders of one patient: each holds the other
    ("Twice", {}),
    ("Loperamide", {"medications": ["loperamide 2 mg as needed"]}),
    ("Strong", {"dosage_form": "capsule", "strength_mg": 4.5}),
]


@pytest.fixture(scope="module")
def pharmacy(database_kind, tmp_path_factory):
    with app_of_its_own(database_kind, tmp_path_factory.mktemp("batches")) as app:
        yield app


@pytest.fixture(autouse=True)
def nothing_left_waiting(pharmacy):
    """A test that fails half-way must not leave orders for the next one's batches."""
    yield
    with pharmacy.app_context():
        session = database.session
        session.execute(
            update(Prescription)
            .where(Prescription.status == Status.RECEIVED)
            .values(status=Status.CANCELLED)
        )
        session.commit()


def submit(app, clinic, patient: str, changes: dict[str, Any]) -> int:
    body = changed(prescription_on(pharmacy_today(app.config)), last_name=patient, **changes)
    return int(submitted(app.test_client(), clinic, body)["rx_number"])


def submit_all(app, orders=MIXED) -> list[int]:
    """The orders from a clinic of their own: same patients' names, other patients."""
    clinic = make_clinic(app)
    return [submit(app, clinic, patient, changes) for patient, changes in orders]


def work_order(app, rx: int, **options) -> str | None:
    with app.app_context():
        return work.work_prescription(
            database.session, rx, today=pharmacy_today(app.config), **options
        )


def message_of(app, rx: int) -> uuid.UUID:
    with app.app_context():
        messages = database.session.execute(select(OutboxMessage.uid, OutboxMessage.payload)).all()
    [uid] = [uid for uid, payload in messages if payload.get("prescription_id") == rx]
    return uid


def what_was_made(app, rx: int) -> dict[str, Any]:
    """Everything the worker writes for an order, as a pharmacist would compare it."""
    with app.app_context():
        session = database.session
        p = session.get(Prescription, rx)
        worksheet = session.scalar(select(Worksheet).where(Worksheet.prescription_id == rx))
        return {
            "status": p.status,
            "numbers": (p.quantity, p.quantity_unit, p.beyond_use_date, p.price_total),
            "price_list": p.price_list_id,
            "worksheet": worksheet and (worksheet.mfr_id, worksheet.data),
            "price_lines": [
                (line.position, line.label, line.amount, line.basis)
                for line in session.scalars(
                    select(PriceLine).where(PriceLine.prescription_id == rx).order_by(PriceLine.id)
                )
            ],
            "alerts": [
                (a.code, a.severity, a.detail)
                for a in session.scalars(
                    select(Alert).where(Alert.prescription_id == rx).order_by(Alert.id)
                )
            ],
            "moves": [  # the worker's: the first is the clinic's
                (c.from_status, c.to_status, c.actor) for c in p.status_history[1:]
            ],
            "worked_events": [
                (e.actor_name, e.detail)
                for e in session.scalars(
                    select(AuditEvent).where(
                        AuditEvent.prescription_id == rx, AuditEvent.action == "prescription.worked"
                    )
                )
            ],
        }


def moments_worked(app, rxs: list[int]) -> set:
    """When each order left `received`: one moment for orders worked in one transaction."""
    with app.app_context():
        return set(
            database.session.scalars(
                select(StatusChange.at).where(
                    StatusChange.prescription_id.in_(rxs), StatusChange.from_status == "received"
                )
            )
        )


def messages_waiting(app, rxs: list[int]) -> int:
    with app.app_context():
        messages = database.session.execute(
            select(OutboxMessage.payload).where(OutboxMessage.processed_at.is_(None))
        ).all()
    return sum(1 for (payload,) in messages if payload.get("prescription_id") in rxs)


def rows_for(app, rxs: list[int]) -> dict[str, int]:
    with app.app_context():
        session = database.session
        return {
            model.__tablename__: session.scalar(
                select(func.count()).select_from(model).where(model.prescription_id.in_(rxs))
            )
            for model in (Worksheet, PriceLine, Alert, StatusChange, AuditEvent)
        }


def test_a_batch_gives_each_order_what_it_would_get_worked_alone(pharmacy):
    alone = submit_all(pharmacy)
    for rx in alone:
        work_order(pharmacy, rx)
    together = submit_all(pharmacy)

    assert work_order(pharmacy, together[0], take_along=TAKE_ALONG) == Status.READY

    assert len(moments_worked(pharmacy, together)) == 1, "one transaction"
    for one, other in zip(alone, together, strict=True):
        assert what_was_made(pharmacy, other) == what_was_made(pharmacy, one)
    statuses = [what_was_made(pharmacy, rx)["status"] for rx in together]
    assert statuses == [
        "ready",
        "on_hold",
        "ready",
        "ready",
        "on_hold",
        "on_hold",
        "ready",
        "ready",
    ]
    opioid = what_was_made(pharmacy, together[1])
    assert [code for code, *_ in opioid["alerts"]] == ["opioid_interaction"]
    assert "oxyCODONE" in opioid["alerts"][0][2]
    assert messages_waiting(pharmacy, alone + together) == 0


def test_the_task_s_own_order_is_worked_even_when_older_ones_wait(pharmacy):
    older = submit_all(pharmacy, MIXED[:3])
    own = submit_all(pharmacy, MIXED[:1])[0]

    assert work_order(pharmacy, own, take_along=1) == Status.READY

    statuses = [what_was_made(pharmacy, rx)["status"] for rx in older]
    assert statuses == ["ready", "received", "received"]  # the oldest taken along, no more
    assert len(moments_worked(pharmacy, [older[0], own])) == 1


def test_a_task_delivered_again_after_its_batch_does_nothing(pharmacy):
    batch = submit_all(pharmacy, MIXED[:4])
    work_order(pharmacy, batch[0], take_along=TAKE_ALONG)
    made = {rx: what_was_made(pharmacy, rx) for rx in batch}
    rows = rows_for(pharmacy, batch)
    waiting = submit_all(pharmacy, MIXED[:1])[0]

    # Its own message (done by the batch), and the same work sent under another id.
    assert work_order(pharmacy, batch[2], message_uid=message_of(pharmacy, batch[2])) is None
    again = {"message_uid": uuid.uuid4(), "take_along": TAKE_ALONG}
    assert work_order(pharmacy, batch[2], **again) is None

    assert rows_for(pharmacy, batch) == rows
    assert {rx: what_was_made(pharmacy, rx) for rx in batch} == made
    assert what_was_made(pharmacy, waiting)["status"] == "received", "no work taken along"
    assert work_order(pharmacy, waiting, message_uid=message_of(pharmacy, waiting)) == "ready"


@pytest.fixture
def refused_worksheet(pharmacy, database_kind):
    """A database that refuses one order's worksheet: an order the batch cannot write."""
    refused: list[int] = []

    def refuse(rx: int) -> None:
        with pharmacy.app_context():
            session = database.session
            if database_kind == "postgresql":
                session.execute(
                    text(
                        "CREATE FUNCTION refuse_worksheet() RETURNS trigger AS $$ BEGIN"
                        f" IF NEW.prescription_id = {rx} THEN RAISE EXCEPTION 'refused';"
                        " END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
                    )
                )
                session.execute(
                    text(
                        "CREATE TRIGGER refuse_worksheet BEFORE INSERT ON worksheets"
                        " FOR EACH ROW EXECUTE FUNCTION refuse_worksheet()"
                    )
                )
            else:
                session.execute(
                    text(
                        "CREATE TRIGGER refuse_worksheet BEFORE INSERT ON worksheets"
                        f" WHEN NEW.prescription_id = {rx}"
                        " BEGIN SELECT RAISE(ABORT, 'refused'); END"
                    )
                )
            session.commit()
        refused.append(rx)

    yield refuse
    if refused:
        with pharmacy.app_context():
            session = database.session
            if database_kind == "postgresql":
                session.execute(text("DROP TRIGGER refuse_worksheet ON worksheets"))
                session.execute(text("DROP FUNCTION refuse_worksheet()"))
            else:
                session.execute(text("DROP TRIGGER refuse_worksheet"))
            session.commit()


def unreadable(app, rx: int) -> None:
    """The stored order lost a part the rules read: its worksheet cannot be computed."""
    with app.app_context():
        session = database.session
        p = session.get(Prescription, rx)
        p.as_sent = {k: v for k, v in p.as_sent.items() if k != "prescriber"}
        session.commit()


@pytest.mark.parametrize("fault", ["the rules", "writing"])
def test_an_order_that_cannot_be_worked_is_held_and_its_batch_goes_on(
    pharmacy, refused_worksheet, fault, caplog
):
    batch = submit_all(pharmacy, [(f"Poisoned-{i}", {}) for i in range(5)])
    poisoned = batch[2]
    if fault == "the rules":
        unreadable(pharmacy, poisoned)
    else:
        refused_worksheet(poisoned)

    with caplog.at_level(logging.INFO):
        assert work_order(pharmacy, batch[0], take_along=TAKE_ALONG) == Status.READY

    made = {rx: what_was_made(pharmacy, rx) for rx in batch}
    assert [made[rx]["status"] for rx in batch] == ["ready", "ready", "on_hold", "ready", "ready"]
    [(code, severity, detail)] = made[poisoned]["alerts"]
    assert (code, severity) == ("processing_failed", "hard_stop")
    assert "could not be computed" in detail
    assert made[poisoned]["worksheet"] is None and made[poisoned]["price_lines"] == []
    for rx in batch:
        assert len(made[rx]["moves"]) == 1  # worked once
        assert len(made[rx]["worked_events"]) == 1
    assert messages_waiting(pharmacy, batch) == 0
    logged = "\n".join(
        f"{r.getMessage()} {sorted(vars(r).items(), key=str)}" for r in caplog.records
    )
    assert str(poisoned) in logged
    assert "Poisoned" not in logged, "no patient data in the logs"


# PostgreSQL only: SQLite has one writer at a time, so no order is ever held by another.
@pytest.mark.parametrize("database_kind", ["postgresql"], scope="session")
@pytest.mark.parametrize("waiting_count", [3, 1])
def test_a_task_whose_order_another_holds_works_the_waiting_ones_meanwhile(
    pharmacy, refused_worksheet, waiting_count
):
    """Two workers never queue behind each other's batches: while another transaction
    holds the task's own order, the task works what waits, then its own order. With a
    single waiting order whose rows cannot be written, that order alone is held."""
    waiting = submit_all(pharmacy, MIXED[:waiting_count])
    own = submit_all(pharmacy, MIXED[:1])[0]
    if waiting_count == 1:
        refused_worksheet(waiting[0])
    holder = database.bound(pharmacy).engine.connect()
    holder.execute(text(f"SELECT id FROM prescriptions WHERE id = {own} FOR UPDATE"))
    result: dict[str, Any] = {}

    def task() -> None:
        result["status"] = work_order(pharmacy, own, take_along=TAKE_ALONG)

    worker = threading.Thread(target=task)
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(
            what_was_made(pharmacy, rx)["status"] == "received" for rx in waiting
        ):
            time.sleep(0.05)
        assert what_was_made(pharmacy, own)["status"] == "received", "still held by another"
    finally:
        holder.rollback()  # the other transaction ends without working it
        holder.close()
        worker.join(20)
    assert result["status"] == Status.READY
    expected = ["on_hold"] if waiting_count == 1 else ["ready", "on_hold", "ready"]
    assert [what_was_made(pharmacy, rx)["status"] for rx in waiting] == expected
    if waiting_count == 1:
        [(code, *_)] = what_was_made(pharmacy, waiting[0])["alerts"]
        assert code == "processing_failed"
