"""Following and cancelling a clinic's prescriptions."""

import pytest

URL = "/api/v1/prescriptions"


def test_the_list_shows_the_clinics_own_newest_first(client, clinic, prescription):
    ids = [
        client.post(URL, json=prescription, headers=clinic.headers).get_json()["id"]
        for _ in range(3)
    ]
    listed = client.get(URL, headers=clinic.headers).get_json()
    assert [p["id"] for p in listed["items"]] == ids[::-1]
    assert listed["total"] == 3 and listed["page"] == 1


def test_the_list_pages(client, clinic, prescription):
    for _ in range(3):
        client.post(URL, json=prescription, headers=clinic.headers)
    first = client.get(f"{URL}?per_page=2", headers=clinic.headers).get_json()
    second = client.get(f"{URL}?per_page=2&page=2", headers=clinic.headers).get_json()
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert not {p["id"] for p in first["items"]} & {p["id"] for p in second["items"]}


def test_the_list_filters_by_status(client, clinic, prescription):
    kept = client.post(URL, json=prescription, headers=clinic.headers).get_json()["id"]
    gone = client.post(URL, json=prescription, headers=clinic.headers).get_json()["id"]
    client.post(f"{URL}/{gone}/cancel", headers=clinic.headers)
    cancelled = client.get(f"{URL}?status=cancelled", headers=clinic.headers).get_json()
    received = client.get(f"{URL}?status=received", headers=clinic.headers).get_json()
    assert [p["id"] for p in cancelled["items"]] == [gone]
    assert [p["id"] for p in received["items"]] == [kept]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost_in_the_mail", "status"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("per_page=1000", "per_page"),
        ("page=-1", "page"),
    ],
)
def test_a_bad_list_query_is_a_422(client, clinic, query, field):
    response = client.get(f"{URL}?{query}", headers=clinic.headers)
    assert response.status_code == 422
    assert response.get_json()["details"][0]["field"] == field


def test_cancelling_records_who_and_why(client, clinic, prescription):
    created = client.post(URL, json=prescription, headers=clinic.headers).get_json()
    response = client.post(
        f"{URL}/{created['id']}/cancel",
        json={"reason": "patient changed their mind"},
        headers=clinic.headers,
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"


def test_cancelling_twice_is_harmless(client, clinic, prescription, stored):
    created = client.post(URL, json=prescription, headers=clinic.headers).get_json()
    client.post(f"{URL}/{created['id']}/cancel", headers=clinic.headers)
    before = stored()
    again = client.post(f"{URL}/{created['id']}/cancel", headers=clinic.headers)
    assert again.status_code == 200
    assert again.get_json()["status"] == "cancelled"
    assert stored() == before


def test_a_dispensed_order_cannot_be_cancelled(app, client, clinic, prescription):
    from pharmacy.extensions import database
    from pharmacy.models import Prescription

    created = client.post(URL, json=prescription, headers=clinic.headers).get_json()
    with app.app_context():
        order = (
            database.session.query(Prescription)
            .filter(Prescription.id == int(created["rx_number"]))
            .one()
        )
        order.status = "dispensed"
        database.session.commit()
    response = client.post(f"{URL}/{created['id']}/cancel", headers=clinic.headers)
    assert response.status_code == 409
    assert response.get_json()["error"] == "not_cancellable"


def test_a_cancel_reason_with_unknown_fields_is_refused(client, clinic, prescription):
    created = client.post(URL, json=prescription, headers=clinic.headers).get_json()
    response = client.post(
        f"{URL}/{created['id']}/cancel",
        json={"reason": "x", "status": "ready"},
        headers=clinic.headers,
    )
    assert response.status_code == 422
    assert (
        client.get(f"{URL}/{created['id']}", headers=clinic.headers).get_json()["status"]
        == "received"
    )
