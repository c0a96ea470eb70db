"""The EHR's order number (MedicationRequest.identifier) is the idempotency key of
/fhir/r4, on each database: a retry gets the first order back and makes no second one,
however many arrive at once; the same number with another order is refused (422, issue
`duplicate`); numbers belong to one clinic, apart from /api/v1's Idempotency-Keys."""

from __future__ import annotations

import copy
import threading

from tests.support import fhir
from tests.support.orders import URL


def test_a_retry_gets_the_first_order_back(client, clinic, today, stored):
    body = fhir.medication_request(today, order_number="ORD-42")
    first = fhir.send(client, clinic, body)
    before_retry = stored()
    again = fhir.send(client, clinic, body)

    assert first.status_code == 201
    assert again.status_code == 200  # FHIR's answer to a create that finds its match
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert stored() == before_retry


def test_a_retry_as_a_bundle_is_the_same_order(client, clinic, today, stored):
    """The same order, however it is wrapped: alone first, then in a Bundle with new
    fullUrls and a narrative."""
    body = fhir.medication_request(today, order_number="ORD-43")
    first = fhir.send(client, clinic, body).get_json()
    before = stored()
    bundle = fhir.as_bundle(body)
    bundle["entry"][0]["resource"]["text"] = {
        "status": "generated",
        "div": '<div xmlns="http://www.w3.org/1999/xhtml">LDN 1.5 mg</div>',
    }
    again = fhir.send(client, clinic, bundle)

    assert again.status_code == 200, again.get_json()
    (entry, *_) = again.get_json()["entry"]
    assert entry["resource"]["id"] == first["id"]
    assert entry["response"]["status"] == "200 OK"
    assert stored() == before


def test_the_same_number_with_another_order_is_a_422_duplicate(client, clinic, today, stored):
    body = fhir.medication_request(today, order_number="ORD-44")
    assert fhir.send(client, clinic, body).status_code == 201
    before = stored()
    changed = copy.deepcopy(body)
    changed["dispenseRequest"]["numberOfRepeatsAllowed"] = 5
    response = fhir.send(client, clinic, changed)

    assert response.status_code == 422
    (issue,) = response.get_json()["issue"]
    assert issue["code"] == "duplicate"
    assert issue["expression"] == ["MedicationRequest.identifier[0]"]
    assert issue["details"]["coding"][0]["code"] == "idempotency_key_reused"
    assert stored() == before


def test_order_numbers_belong_to_one_clinic(client, clinic, other_clinic, today):
    body = fhir.medication_request(today, order_number="ORD-45")
    mine = fhir.send(client, clinic, body)
    theirs = fhir.send(client, other_clinic, body)
    assert mine.status_code == theirs.status_code == 201
    assert mine.get_json()["id"] != theirs.get_json()["id"]


def test_the_system_is_part_of_the_number(client, clinic, today):
    body = fhir.medication_request(today, order_number="ORD-46")
    other_system = copy.deepcopy(body)
    other_system["identifier"][0]["system"] = "http://another-ehr.example.org/orders"
    first = fhir.send(client, clinic, body)
    second = fhir.send(client, clinic, other_system)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] != second.get_json()["id"]


def test_order_numbers_are_apart_from_idempotency_keys(client, clinic, today, prescription):
    """/api/v1's Idempotency-Key "<system>|<value>" is not the FHIR order number."""
    body = fhir.medication_request(today, order_number="ORD-47")
    key = f"{fhir.ORDERS}|ORD-47"
    by_json = client.post(
        URL, json=prescription, headers={**clinic.headers, "Idempotency-Key": key}
    )
    by_fhir = fhir.send(client, clinic, body)
    assert by_json.status_code == by_fhir.status_code == 201
    assert by_json.get_json()["id"] != by_fhir.get_json()["id"]


def test_a_refused_order_does_not_use_up_its_number(client, clinic, today):
    body = fhir.medication_request(today, order_number="ORD-48")
    wrong = copy.deepcopy(body)
    wrong["dispenseRequest"]["numberOfRepeatsAllowed"] = 99
    assert fhir.send(client, clinic, wrong).status_code == 422
    assert fhir.send(client, clinic, body).status_code == 201


def test_an_order_without_a_number_is_taken_each_time(client, clinic, today, stored):
    body = fhir.medication_request(today)
    del body["identifier"]
    before = stored()
    first = fhir.send(client, clinic, body)
    second = fhir.send(client, clinic, body)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] != second.get_json()["id"]
    assert stored()["prescriptions"] == before["prescriptions"] + 2


def test_twenty_concurrent_retries_make_exactly_one_order(app, clinic, today, stored):
    before = stored()
    body = fhir.medication_request(today, order_number="burst-1")
    start = threading.Barrier(20)
    answers: list[tuple[int, str]] = []

    def send() -> None:
        client = app.test_client()
        start.wait()
        response = fhir.send(client, clinic, body)
        answers.append((response.status_code, response.get_json().get("id")))

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 20
    assert sorted(status for status, _ in answers) == [200] * 19 + [201]
    assert len({order_id for _, order_id in answers}) == 1
    after = stored()
    assert after["prescriptions"] == before["prescriptions"] + 1
    assert after["outbox_messages"] == before["outbox_messages"] + 1
