"""Patient data stays out of logs and audit details; every read of it is audited."""

import logging

from sqlalchemy import select

from pharmacy.extensions import database
from pharmacy.models import AuditEvent

URL = "/api/v1/prescriptions"


def test_no_patient_data_reaches_the_logs(client, clinic, prescription, caplog):
    prescription["patient"]["first_name"] = "Evangelina"
    prescription["patient"]["last_name"] = "Quatermain"
    with caplog.at_level(logging.DEBUG):
        created = client.post(URL, json=prescription, headers=clinic.headers).get_json()
        client.get(f"{URL}/{created['id']}", headers=clinic.headers)
        client.post(URL, json={**prescription, "refills": 99}, headers=clinic.headers)
    assert caplog.records, "requests are logged"
    text = "\n".join(f"{r.getMessage()} {sorted(vars(r).items(), key=str)}" for r in caplog.records)
    for secret in ("Evangelina", "Quatermain", "1980-01-02", "614-555-0199", "1 Main St"):
        assert secret not in text


def test_reading_a_prescription_is_audited_without_patient_details(
    app, client, clinic, prescription
):
    created = client.post(URL, json=prescription, headers=clinic.headers).get_json()
    client.get(f"{URL}/{created['id']}", headers={**clinic.headers, "X-Request-ID": "trace-77"})
    with app.app_context():
        events = database.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.prescription_id == int(created["rx_number"]))
            .order_by(AuditEvent.id)
        ).all()
    assert [e.action for e in events] == ["prescription.received", "prescription.viewed"]
    viewed = events[-1]
    assert (viewed.actor_type, viewed.actor_name) == ("clinic", clinic.name)
    assert viewed.request_id == "trace-77"
    assert "Lovelace" not in str([e.detail for e in events])


def test_the_request_id_comes_back_to_the_caller(client, clinic):
    response = client.get(URL, headers={**clinic.headers, "X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    odd = client.get(URL, headers={**clinic.headers, "X-Request-ID": "<script>"})
    assert odd.headers["X-Request-ID"] != "<script>"
