"""Prescribers and patients: found again on every order, never made twice, and kept
up to date with what the clinic sends."""

import threading

from sqlalchemy import select

from pharmacy.domain.identifiers import npi_problem
from pharmacy.extensions import database
from pharmacy.models import Patient, Prescriber, Prescription
from tests.support.orders import URL, new_patient


def new_people(prescription: dict) -> dict:
    """The example with a prescriber and a patient the database has never seen."""
    body = new_patient(prescription, prefix="Hopper")
    # An NPI passes its check digit only with the right last digit: find one unused.
    body["prescriber"]["npi"] = _unused_npi()
    return body


_npis = iter(range(10_000_000, 99_999_999, 7_919))


def _unused_npi() -> str:
    for stem in _npis:
        for last in range(10):
            candidate = f"1{stem:08d}{last}"
            if npi_problem(candidate) is None:
                return candidate
    raise AssertionError("no NPI left")


def test_simultaneous_first_orders_make_one_patient_and_one_prescriber(app, clinic, prescription):
    body = new_people(prescription)
    start = threading.Barrier(10)
    answers: list[int] = []

    def send() -> None:
        client = app.test_client()
        start.wait()
        answers.append(client.post(URL, json=body, headers=clinic.headers).status_code)

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [201] * 10
    with app.app_context():
        session = database.session
        patients = session.scalars(
            select(Patient.id).where(Patient.last_name == body["patient"]["last_name"])
        ).all()
        prescribers = session.scalars(
            select(Prescriber.id).where(Prescriber.npi == body["prescriber"]["npi"])
        ).all()
        orders = session.scalars(
            select(Prescription.prescriber_id).where(Prescription.patient_id.in_(patients))
        ).all()
    assert len(patients) == 1 and len(prescribers) == 1
    assert orders == prescribers * 10


def _patient(app, last_name: str) -> Patient:
    with app.app_context():
        return database.session.scalars(select(Patient).where(Patient.last_name == last_name)).one()


def test_a_later_order_brings_the_patients_lists_up_to_date(client, app, clinic, prescription):
    body = new_people(prescription)
    assert client.post(URL, json=body, headers=clinic.headers).status_code == 201
    body["patient"]["medications"] = [{"name": "tramadol 50 mg", "rxnorm": "835603"}]
    body["patient"]["allergies"] = ["sulfa"]
    assert client.post(URL, json=body, headers=clinic.headers).status_code == 201
    patient = _patient(app, body["patient"]["last_name"])
    # Screening reads these: the newest order's lists are the patient's current ones.
    assert patient.medications == [{"name": "tramadol 50 mg", "rxnorm": "835603"}]
    assert patient.allergies == ["sulfa"]


def test_an_unchanged_patient_is_not_written_again(client, app, clinic, prescription):
    body = new_people(prescription)
    assert client.post(URL, json=body, headers=clinic.headers).status_code == 201
    first = _patient(app, body["patient"]["last_name"])
    assert client.post(URL, json=body, headers=clinic.headers).status_code == 201
    again = _patient(app, body["patient"]["last_name"])
    assert again.id == first.id
    assert again.updated_at == first.updated_at
