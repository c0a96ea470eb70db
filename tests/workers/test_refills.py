"""A refill asked for through the API is worked by a real Celery worker on real Redis
and PostgreSQL, at the dose of its own part of the course."""

from __future__ import annotations

from decimal import Decimal

from pharmacy.domain.prescription import DirectionStep
from pharmacy.domain.workflow import Status
from tests.support.orders import OPIOID, URL, Orders
from tests.support.staff import created_staff
from tests.support.waiting import wait_for

# Two weeks at 1.5 mg, then 3 mg: the whole titration in the first fill.
ONE_FILL_TITRATION = {
    "times_per_day": 1,
    "steps": [{"dose_mg": 1.5, "days": 14}, {"dose_mg": 3, "days": 16}],
}


def worked_by_the_worker(orders: Orders, rx: int) -> dict:
    """The order as its clinic sees it once the worker has worked its fill in progress."""
    wait_for(lambda: orders.status(rx) != Status.RECEIVED, 60, f"Rx {rx} to be worked")
    return orders.shown(rx)


def test_a_refill_sent_through_the_api_is_worked_to_ready_at_its_own_dose(
    pharmacy_on, machine_redis
):
    pharmacy = pharmacy_on(machine_redis)
    pharmacy.worker()
    orders = Orders(pharmacy.app, created_staff(pharmacy.app), patients="Workerrefill")
    rx = orders.submit(directions=ONE_FILL_TITRATION, refills=2)
    first = worked_by_the_worker(orders, rx)
    assert first["status"] == "ready"
    assert first["quantity"] == {"value": "46", "unit": "capsule"}  # 14 x 1 + 16 x 2
    orders.dispensed(rx)
    orders.days_pass(rx, 30)

    response = orders.client.post(f"{URL}/{first['id']}/refills", headers=orders.clinic.headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "received"
    refill = worked_by_the_worker(orders, rx)

    assert refill["status"] == "ready"
    assert refill["alerts"] == []
    # 3 mg a day for the whole fill: two 1.5 mg capsules a day, never 1.5 mg again.
    assert refill["quantity"] == {"value": "60", "unit": "capsule"}
    assert orders.worksheet(rx, fill=1)["quantity"] == "60"
    assert orders.label_facts(rx).steps == (DirectionStep(Decimal(3), 30),)
    assert Decimal(refill["price"]["total"]) > 0
    assert refill["beyond_use_date"] is not None
    assert [(f["number"], f["status"]) for f in refill["fills"]] == [
        (0, "dispensed"),
        (1, "ready"),
    ]
    assert [f["quantity"]["value"] for f in refill["fills"]] == ["46", "60"]
    history = orders.fill_records(rx)[1]["status_history"]
    assert [(before, after) for _, before, after in history] == [
        (None, "received"),
        ("received", "ready"),
    ]


def test_a_clarification_with_a_changed_strength_is_worked_again_by_the_worker(
    pharmacy_on, machine_redis
):
    pharmacy = pharmacy_on(machine_redis)
    pharmacy.worker()
    orders = Orders(pharmacy.app, created_staff(pharmacy.app), patients="Workerasked")
    rx = orders.submit(medications=[OPIOID])
    held = worked_by_the_worker(orders, rx)
    assert held["status"] == "on_hold"
    orders.asked(rx)

    response = orders.answer(
        rx,
        "Percocet stopped; and please make it 3 mg.",
        changes={
            "medication": {"strength_mg": 3},
            "directions": {"steps": [{"dose_mg": 3, "days": 30}]},
            "patient": {"medications": ["levothyroxine 50 mcg daily"]},
        },
    )
    assert response.status_code == 201, response.get_json()
    again = worked_by_the_worker(orders, rx)

    assert again["status"] == "ready"
    assert again["version"] == 2
    assert again["alerts"] == []
    assert again["quantity"] == {"value": "30", "unit": "capsule"}  # one 3 mg a day
    assert orders.label_facts(rx).strength_mg == Decimal(3)
    assert [(f["number"], f["refill"], f["status"]) for f in again["fills"]] == [
        (0, 0, "replaced"),
        (1, 0, "ready"),
    ]
    history = orders.fill_records(rx)
    assert [after for _, _, after in history[0]["status_history"]] == [
        "received",
        "on_hold",
        "awaiting_prescriber",
    ]
    assert [after for _, _, after in history[1]["status_history"]] == ["received", "ready"]
