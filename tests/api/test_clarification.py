"""A pharmacist's question and the clinic's answer, `POST .../clarification`, on each
database: a changed strength worked again as a new fill with its own worksheet and
label, an answer without changes screened again, a medication list corrected in the
answer, every refusal (each naming its field, nothing written), another clinic's
prescription, and retries under one Idempotency-Key.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pharmacy.extensions import database
from pharmacy.models import (
    AuditEvent,
    Clarification,
    Fill,
    Patient,
    Prescription,
    PrescriptionVersion,
    StatusChange,
    Worksheet,
)
from tests.support.clinics import make_clinic
from tests.support.databases import row_counts
from tests.support.orders import QUESTION, Orders
from tests.support.staff import created_staff

THREE_MG = {
    "medication": {"strength_mg": 3},
    "directions": {"steps": [{"dose_mg": 3, "days": 30}]},
}


@pytest.fixture(scope="module")
def orders(app) -> Orders:
    return Orders(app, created_staff(app), patients="Askedpatient")


@pytest.fixture
def written(app):
    """Everything an answer writes, counted, to prove a refusal wrote nothing."""

    def count() -> dict[str, int]:
        counts = row_counts(app)
        with app.app_context():
            for model in (Fill, StatusChange, Worksheet, PrescriptionVersion, Clarification):
                counts[model.__tablename__] = database.session.scalar(
                    select(func.count()).select_from(model)
                )
        return counts

    return count


def test_the_clinic_reads_the_question_while_the_order_waits(orders):
    rx = orders.asked(orders.ready())

    shown = orders.shown(rx)

    assert shown["status"] == "awaiting_prescriber"
    assert shown["question"]["question"] == QUESTION
    assert shown["question"]["state"] == "asked"
    assert shown["question"]["answer"] is None
    assert shown["version"] == 1
    # Nothing is printed or made while the pharmacy waits.
    with orders.app.app_context():
        events = database.session.scalars(
            select(AuditEvent.action).where(AuditEvent.prescription_id == rx)
        ).all()
    assert "prescription.clarification_requested" in events


def test_a_changed_strength_is_a_new_version_worked_again_as_a_new_fill(orders):
    rx = orders.ready()
    first_worksheet = orders.worksheet(rx)
    assert "1.5 mg" in orders.label_text(rx)
    orders.asked(rx)

    response = orders.answer(rx, "Yes: go to 3 mg a night.", changes=THREE_MG)

    assert response.status_code == 201, response.get_json()
    shown = response.get_json()
    assert response.headers["Location"].endswith(shown["id"])
    assert shown["status"] == "received"
    assert shown["version"] == 2
    assert shown["medication"]["strength_mg"] == 3
    assert shown["directions"]["steps"] == [{"dose_mg": 3, "days": 30}]
    assert shown["question"]["state"] == "answered"
    assert shown["question"]["answer"] == "Yes: go to 3 mg a night."
    asked, again = shown["fills"]
    assert (asked["number"], asked["refill"], asked["status"]) == (0, 0, "replaced")
    assert (again["number"], again["refill"], again["status"]) == (1, 0, "received")
    assert shown["refills_remaining"] == 2  # the same original fill, made again

    orders.work(rx)

    assert orders.status(rx) == "ready"
    worksheet = orders.worksheet(rx)
    assert worksheet != first_worksheet
    assert orders.worksheet(rx, fill=0) == first_worksheet  # the asked fill's, kept
    assert "3 mg" in orders.label_text(rx)
    assert "1.5 mg" not in orders.label_text(rx)
    with orders.app.app_context():
        versions = database.session.scalars(
            select(PrescriptionVersion)
            .where(PrescriptionVersion.prescription_id == rx)
            .order_by(PrescriptionVersion.number)
        ).all()
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].body["medication"]["strength_mg"] == 1.5
    assert versions[1].body["medication"]["strength_mg"] == 3
    assert versions[1].changes == THREE_MG
    # The rest of the prescription is as first sent.
    assert versions[1].body["patient"] == versions[0].body["patient"]


def test_an_answer_without_changes_is_screened_again_and_held_again(orders, written):
    rx = orders.asked(orders.held())
    before = written()

    response = orders.answer(rx, "The patient takes it as needed, rarely.")

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["version"] == 1
    assert written()["prescription_versions"] == before["prescription_versions"]
    orders.work(rx)
    assert orders.status(rx) == "on_hold"  # the opioid is still on the list
    alerts = orders.shown(rx)["alerts"]
    assert [a["code"] for a in alerts if a["severity"] == "hard_stop"]


def test_a_medication_list_corrected_in_the_answer_is_what_the_fill_is_screened_on(orders):
    rx = orders.asked(orders.held())

    response = orders.answer(
        rx,
        "Percocet was stopped in October.",
        changes={"patient": {"medications": ["levothyroxine 50 mcg daily"]}},
    )

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["patient"]["medications"] == ["levothyroxine 50 mcg daily"]
    orders.work(rx)
    assert orders.status(rx) == "ready"
    with orders.app.app_context():
        prescription = database.session.get(Prescription, rx)
        patient = database.session.get(Patient, prescription.patient_id)
        assert [m["name"] for m in patient.medications] == ["levothyroxine 50 mcg daily"]
        assert [m["name"] for m in prescription.medications] == ["levothyroxine 50 mcg daily"]


def test_a_refill_asked_about_is_made_again_as_the_same_refill(orders):
    rx = orders.dispensed(orders.ready())
    orders.days_pass(rx, 30)
    orders.refill(rx)
    orders.work(rx)
    orders.asked(rx)

    response = orders.answer(rx, "Yes, continue at 3 mg.", changes=THREE_MG)

    assert response.status_code == 201, response.get_json()
    fills = response.get_json()["fills"]
    assert [(f["number"], f["refill"], f["status"]) for f in fills] == [
        (0, 0, "dispensed"),
        (1, 1, "replaced"),
        (2, 1, "received"),
    ]
    orders.work(rx)
    label = orders.label_text(rx)
    assert "Refill 1 of 2" in label
    assert "3 mg" in label


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"medication": {"strength_mg": 9}}, "changes.medication.strength_mg"),
        # 3 mg capsules cannot make the 1.5 mg dose left as it was.
        ({"medication": {"strength_mg": 3}}, "changes.directions.steps[0].dose_mg"),
        ({"days_supply": 45}, "changes.directions.steps"),
        ({"patient": {"first_name": "Someone"}}, "changes.patient.first_name"),
        ({"patient": {"date_of_birth": "1990-01-01"}}, "changes.patient.date_of_birth"),
        ({"prescriber": {"npi": "1245319599"}}, "changes.prescriber.npi"),
        ({"price": 1}, "changes.price"),
        ({"directions": {"steps": "3 mg"}}, "changes.directions.steps"),
    ],
    ids=[
        "dose-out-of-range",
        "capsules-do-not-divide",
        "steps-not-the-supply",
        "patient-name",
        "birth-date",
        "prescriber",
        "unknown-field",
        "wrong-type",
    ],
)
def test_changes_that_break_a_rule_are_refused_naming_the_field(orders, written, changes, field):
    rx = orders.asked(orders.ready())
    before = written()

    response = orders.answer(rx, "Changed as asked.", changes=changes)

    assert response.status_code == 422, response.get_json()
    details = response.get_json()["details"]
    assert field in [d["field"] for d in details], details
    assert written() == before
    assert orders.status(rx) == "awaiting_prescriber"


def test_a_refill_being_made_keeps_enough_refills(orders, written):
    rx = orders.dispensed(orders.ready())
    orders.days_pass(rx, 30)
    orders.refill(rx)
    orders.work(rx)
    orders.asked(rx)
    before = written()

    response = orders.answer(rx, "No more refills after this.", changes={"refills": 0})

    assert response.status_code == 422
    assert [d["field"] for d in response.get_json()["details"]] == ["changes.refills"]
    assert written() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"changes": {}}, "answer"),
        ({"answer": ""}, "answer"),
        ({"answer": 42}, "answer"),
        ({"answer": "ok", "changes": [1]}, "changes"),
        ({"answer": "ok", "approved": True}, "approved"),
    ],
    ids=["no-answer", "empty", "not-text", "changes-not-an-object", "unknown-field"],
)
def test_a_malformed_answer_is_refused(orders, written, body, field):
    rx = orders.asked(orders.ready())
    before = written()

    response = orders.answer(rx, json=body)

    assert response.status_code == 422
    assert field in [d["field"] for d in response.get_json()["details"]]
    assert written() == before


def test_no_answer_is_taken_when_no_question_waits(orders, written):
    rx = orders.ready()
    before = written()

    response = orders.answer(rx, "Unprompted.")

    assert response.status_code == 409
    assert response.get_json()["error"] == "not_awaiting_prescriber"
    assert written() == before


def test_another_clinics_prescription_is_not_found(orders, written):
    rx = orders.asked(orders.ready())
    other = make_clinic(orders.app)
    before = written()

    response = orders.answer(rx, "Not ours.", clinic=other)

    assert response.status_code == 404
    assert written() == before
    assert orders.status(rx) == "awaiting_prescriber"


def test_a_retried_answer_under_one_key_makes_one_fill(orders, written):
    rx = orders.asked(orders.ready())
    key = {"Idempotency-Key": f"answer-{rx}"}
    body = {"answer": "Go to 3 mg.", "changes": THREE_MG}
    post = orders.client.post
    uid = orders.shown(rx)["id"]
    url = f"/api/v1/prescriptions/{uid}/clarification"

    first = post(url, headers={**orders.clinic.headers, **key}, json=body)
    counts = written()
    again = post(url, headers={**orders.clinic.headers, **key}, json=body)

    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json()
    assert written() == counts
    other = post(url, headers={**orders.clinic.headers, **key}, json={**body, "answer": "No."})
    assert other.status_code == 409
    assert other.get_json()["error"] == "idempotency_key_reused"


def test_the_clinic_may_cancel_instead_of_answering(orders):
    rx = orders.asked(orders.ready())
    uid = orders.shown(rx)["id"]

    response = orders.client.post(
        f"/api/v1/prescriptions/{uid}/cancel", headers=orders.clinic.headers, json={}
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "cancelled"
    assert orders.answer(rx, "Too late.").status_code == 409
