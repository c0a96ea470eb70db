"""Retries never make a second order."""

import threading

import pytest

URL = "/api/v1/prescriptions"


def test_a_retry_with_the_same_key_gets_the_first_answer(client, clinic, prescription, stored):
    headers = {**clinic.headers, "Idempotency-Key": "order-42"}
    first = client.post(URL, json=prescription, headers=headers)
    before_retry = stored()
    again = client.post(URL, json=prescription, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert stored() == before_retry


def test_the_same_key_with_another_body_is_a_409(client, clinic, prescription, stored):
    headers = {**clinic.headers, "Idempotency-Key": "order-43"}
    assert client.post(URL, json=prescription, headers=headers).status_code == 201
    before = stored()
    changed = {**prescription, "refills": 5}
    response = client.post(URL, json=changed, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"] == "idempotency_key_reused"
    assert stored() == before


def test_keys_belong_to_one_clinic(client, clinic, other_clinic, prescription):
    mine = client.post(URL, json=prescription, headers={**clinic.headers, "Idempotency-Key": "k1"})
    theirs = client.post(
        URL, json=prescription, headers={**other_clinic.headers, "Idempotency-Key": "k1"}
    )
    assert mine.status_code == theirs.status_code == 201
    assert mine.get_json()["id"] != theirs.get_json()["id"]


def test_a_refused_request_does_not_use_up_its_key(client, clinic, prescription):
    headers = {**clinic.headers, "Idempotency-Key": "fix-and-retry"}
    bad = client.post(URL, json={**prescription, "refills": 99}, headers=headers)
    assert bad.status_code == 422
    assert client.post(URL, json=prescription, headers=headers).status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve", "tab\tkey"])
def test_a_malformed_key_is_a_400(client, clinic, prescription, stored, key):
    before = stored()
    response = client.post(
        URL, json=prescription, headers={**clinic.headers, "Idempotency-Key": key}
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_idempotency_key"
    assert stored() == before


def test_twenty_concurrent_retries_make_exactly_one_order(app, clinic, prescription, stored):
    before = stored()
    headers = {**clinic.headers, "Idempotency-Key": "burst-1"}
    start = threading.Barrier(20)
    answers: list[tuple[int, str]] = []

    def send() -> None:
        client = app.test_client()
        start.wait()
        response = client.post(URL, json=prescription, headers=headers)
        answers.append((response.status_code, response.get_json().get("id")))

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 20
    assert {status for status, _ in answers} == {201}
    assert len({order_id for _, order_id in answers}) == 1
    after = stored()
    assert after["prescriptions"] == before["prescriptions"] + 1
    assert after["outbox_messages"] == before["outbox_messages"] + 1
