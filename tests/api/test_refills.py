"""`POST /api/v1/prescriptions/{id}/refills` as a clinic sees it, on each database: the
new fill, every refusal of the contract with its code, another clinic's prescription,
retries under one Idempotency-Key, and nothing written when a refill is refused.

A fill reaches `dispensed` only through the pharmacy's staff: those steps are taken by
the order builder's services, in the same app the clinic calls.
"""

from __future__ import annotations

import math
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pharmacy.extensions import database
from pharmacy.models import Alert, Fill, Prescription, StatusChange, Worksheet
from tests.support.databases import row_counts
from tests.support.orders import URL, Orders
from tests.support.staff import created_staff

TOO_SOON_PERCENT = 75  # the pharmacy's default: not before 75 % of the days have passed


@pytest.fixture(scope="module")
def orders(app) -> Orders:
    return Orders(app, created_staff(app), patients="Refillpatient")


@pytest.fixture
def written(app):
    """Everything a refill writes, counted, to prove a refusal wrote nothing."""

    def count() -> dict[str, int]:
        counts = row_counts(app)
        with app.app_context():
            session = database.session
            for model in (Fill, StatusChange, Worksheet, Alert):
                counts[model.__tablename__] = session.scalar(
                    select(func.count()).select_from(model)
                )
        return counts

    return count


def uid_of(orders: Orders, rx: int) -> str:
    with orders.app.app_context():
        return str(database.session.get(Prescription, rx).uid)


def post_refill(orders: Orders, rx: int, *, clinic=None, **request):
    headers = {**(clinic or orders.clinic).headers, **request.pop("headers", {})}
    return orders.client.post(f"{URL}/{uid_of(orders, rx)}/refills", headers=headers, **request)


def refused(orders: Orders, written, rx: int, code: str) -> dict:
    """The refill of `rx` is refused with `code`, and nothing is written: no fill, no
    status change, no audit event, no message to the worker."""
    before = written()
    response = post_refill(orders, rx)
    assert response.status_code == 409, response.get_json()
    answer = response.get_json()
    assert answer["error"] == code
    assert answer["message"]
    assert written() == before
    return answer


def dispensed_days_ago(orders: Orders, days: int, **changes) -> int:
    """An order whose original fill was handed over `days` days ago."""
    rx = orders.dispensed(orders.ready(**changes))
    orders.days_pass(rx, days)
    return rx


def test_a_refill_answers_201_with_the_new_fill_received(orders, written):
    rx = dispensed_days_ago(orders, 30)
    before = orders.shown(rx)
    counts = written()

    response = post_refill(orders, rx)

    assert response.status_code == 201, response.get_json()
    shown = response.get_json()
    assert response.headers["Location"].endswith(f"{URL}/{shown['id']}")
    assert shown["id"] == before["id"]
    assert shown["rx_number"] == str(rx)
    assert shown["status"] == "received"
    # The top-level figures describe the new fill: nothing worked out for it yet.
    assert shown["quantity"] is None
    assert shown["price"] is None
    assert shown["beyond_use_date"] is None
    assert shown["alerts"] == []
    assert shown["refills_remaining"] == 2  # spent when the refill is handed over
    first, second = shown["fills"]
    assert first["number"] == 0
    assert first["status"] == "dispensed"
    assert first["dispensed_on"] == (orders.today - timedelta(days=30)).isoformat()
    assert first["quantity"] == before["quantity"]
    assert first["price"]["total"] == before["price"]["total"]
    assert first["beyond_use_date"] == before["beyond_use_date"]
    assert second == {
        "number": 1,
        "refill": 1,
        "status": "received",
        "quantity": None,
        "beyond_use_date": None,
        "price": None,
        "dispensed_on": None,
        "shipment": None,
    }
    grown = written()
    assert grown["fills"] == counts["fills"] + 1
    assert grown["status_changes"] == counts["status_changes"] + 1
    assert grown["prescriptions"] == counts["prescriptions"]
    assert orders.shown(rx)["fills"] == shown["fills"]


def test_a_prescription_without_refills_left_is_refused(orders, written):
    rx = dispensed_days_ago(orders, 30, refills=0)
    refused(orders, written, rx, "no_refills_left")


def test_every_refill_spent_leaves_none(orders, written):
    rx = dispensed_days_ago(orders, 30, refills=1)
    assert post_refill(orders, rx).status_code == 201
    orders.dispensed(rx)
    orders.days_pass(rx, 30)
    assert orders.shown(rx)["refills_remaining"] == 0
    refused(orders, written, rx, "no_refills_left")


def test_a_prescription_past_its_expiry_is_refused(orders, written):
    written_on = orders.today - timedelta(days=360)
    rx = orders.dispensed(orders.ready(written_on=written_on.isoformat()))
    shown = orders.shown(rx)
    assert shown["expires_on"] == written_on.replace(year=written_on.year + 1).isoformat()
    orders.days_pass(rx, 40)  # past its expiry, and long past "too soon"
    assert date.fromisoformat(orders.shown(rx)["expires_on"]) < orders.today
    refused(orders, written, rx, "expired")


def test_too_soon_says_from_when_and_the_day_after_is_the_first_that_may(orders, written):
    days_supply = 30
    waited = math.ceil(days_supply * TOO_SOON_PERCENT / 100)  # 22.5 days: 23 whole days
    rx = dispensed_days_ago(orders, waited - 1)
    dispensed_on = date.fromisoformat(orders.shown(rx)["fills"][0]["dispensed_on"])
    assert dispensed_on == orders.today - timedelta(days=waited - 1)

    answer = refused(orders, written, rx, "too_soon")

    assert answer["earliest_on"] == (dispensed_on + timedelta(days=waited)).isoformat()
    assert answer["earliest_on"] == (orders.today + timedelta(days=1)).isoformat()
    orders.days_pass(rx, 1)  # the earliest day has come
    assert post_refill(orders, rx).status_code == 201


@pytest.mark.parametrize("where", ["ready", "refill received"])
def test_a_fill_in_progress_is_refused(orders, written, where):
    if where == "ready":
        rx = orders.ready()
    else:
        rx = dispensed_days_ago(orders, 30)
        assert post_refill(orders, rx).status_code == 201
    refused(orders, written, rx, "fill_in_progress")


@pytest.mark.parametrize("by", ["pharmacy", "clinic"])
def test_a_cancelled_prescription_is_not_active(orders, written, by):
    if by == "pharmacy":
        rx = orders.in_state("cancelled")
    else:
        rx = orders.submit()
        cancel = f"{URL}/{uid_of(orders, rx)}/cancel"
        response = orders.client.post(cancel, json={}, headers=orders.clinic.headers)
        assert response.status_code == 200, response.get_json()
    refused(orders, written, rx, "not_active")


def test_another_clinics_prescription_is_not_found(orders, written, other_clinic):
    rx = dispensed_days_ago(orders, 30)
    before = written()
    response = post_refill(orders, rx, clinic=other_clinic)
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert written() == before
    assert orders.shown(rx)["fills"][-1]["number"] == 0


def test_the_same_key_twice_makes_one_fill_and_gets_the_same_answer(orders, written):
    rx = dispensed_days_ago(orders, 30)
    headers = {"Idempotency-Key": f"refill-{rx}"}
    first = post_refill(orders, rx, headers=headers)
    assert first.status_code == 201
    after_first = written()

    again = post_refill(orders, rx, headers=headers)

    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert written() == after_first
    assert [fill["number"] for fill in orders.shown(rx)["fills"]] == [0, 1]


def test_a_key_used_for_another_prescription_is_refused(orders, written):
    one, other = dispensed_days_ago(orders, 30), dispensed_days_ago(orders, 30)
    headers = {"Idempotency-Key": f"refill-of-{one}"}
    assert post_refill(orders, one, headers=headers).status_code == 201
    before = written()
    response = post_refill(orders, other, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"] == "idempotency_key_reused"
    assert written() == before


def test_a_refused_refill_does_not_use_up_its_key(orders):
    rx = dispensed_days_ago(orders, 1)
    headers = {"Idempotency-Key": f"early-{rx}"}
    assert post_refill(orders, rx, headers=headers).status_code == 409
    orders.days_pass(rx, 29)
    assert post_refill(orders, rx, headers=headers).status_code == 201


@pytest.mark.parametrize("body", [{}, None], ids=["empty object", "no body"])
def test_a_refill_needs_no_body(orders, body):
    rx = dispensed_days_ago(orders, 30)
    request = {} if body is None else {"json": body}
    assert post_refill(orders, rx, **request).status_code == 201


def test_a_body_with_an_unknown_field_is_a_422(orders, written):
    rx = dispensed_days_ago(orders, 30)
    before = written()
    response = post_refill(orders, rx, json={"quantity": 90})
    assert response.status_code == 422
    answer = response.get_json()
    assert answer["error"] == "validation_failed"
    assert [detail["field"] for detail in answer["details"]] == ["quantity"]
    assert written() == before


def test_refills_sent_at_once_start_one_fill(orders, written):
    """A clinic's system that sends the same refill twice at once (a double click, a
    retry without a key) gets one new fill; the other request is told a fill is in
    progress."""
    rx = dispensed_days_ago(orders, 30)
    url = f"{URL}/{uid_of(orders, rx)}/refills"
    before = written()
    start = threading.Barrier(8)
    answers: list[tuple[int, str | None]] = []

    def send() -> None:
        client = orders.app.test_client()
        start.wait()
        response = client.post(url, headers=orders.clinic.headers)
        answers.append((response.status_code, response.get_json().get("error")))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers, key=str) == [(201, None)] + [(409, "fill_in_progress")] * 7
    assert written()["fills"] == before["fills"] + 1
    assert [fill["number"] for fill in orders.shown(rx)["fills"]] == [0, 1]
