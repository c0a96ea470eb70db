"""What intake keeps for the screen: the order's own lists, the patient known again
however the name is typed, and text refused when it reads otherwise than it is."""

import uuid

import pytest
from sqlalchemy import select

from pharmacy.extensions import database
from pharmacy.models import Patient, Prescription
from tests.support.orders import for_patient, submit, with_value


def order_row(app, created: dict) -> Prescription:
    with app.app_context():
        return database.session.scalar(
            select(Prescription).where(Prescription.id == int(created["rx_number"]))
        )


def patient_rows(app, stem: str) -> list[Patient]:
    with app.app_context():
        return database.session.scalars(
            select(Patient).where(Patient.last_name_key.like(f"{stem.casefold()}%"))
        ).all()


def test_an_order_keeps_the_lists_it_was_sent_with(app, client, clinic, prescription):
    name = f"Kept{uuid.uuid4().hex[:8]}"
    body = for_patient(
        prescription,
        name,
        medications=[{"name": "Percocet 5/325", "rxnorm": "1049640"}],
        allergies=["sulfa"],
        conditions=["fibromyalgia"],
    )
    first = submit(client, clinic, body).get_json()
    later = submit(client, clinic, for_patient(prescription, name, medications=[])).get_json()
    row = order_row(app, first)
    assert row.medications == [{"name": "Percocet 5/325", "rxnorm": "1049640"}]
    assert row.allergies == ["sulfa"] and row.lists_on_record == []
    again = order_row(app, later)
    assert again.medications == []
    # The allergies and conditions it left out are the ones on record, and it says so.
    assert again.allergies == ["sulfa"] and again.conditions == ["fibromyalgia"]
    assert again.lists_on_record == ["allergies", "conditions"]


def test_a_list_left_out_never_blanks_the_patients_record(app, client, clinic, prescription):
    name = f"Record{uuid.uuid4().hex[:8]}"
    submit(client, clinic, for_patient(prescription, name, medications=["tramadol 50 mg"]))
    submit(client, clinic, for_patient(prescription, name))
    [patient] = patient_rows(app, name)
    assert patient.medications == [{"name": "tramadol 50 mg", "rxnorm": None}]


@pytest.mark.parametrize(
    "typed",
    ["{} Cate", "{} CATE", "{} Cate ", "{}\u00a0Cate", "{} Caté", "{} Ca\u200bte", "{} Cаte"],
    ids=["same", "caps", "trailing-space", "nbsp", "accent", "zero-width", "cyrillic-a"],
)
def test_a_patient_typed_another_way_is_the_same_patient(app, client, clinic, prescription, typed):
    stem = f"Dupli{uuid.uuid4().hex[:8]}"
    first = submit(client, clinic, for_patient(prescription, f"{stem} Cate"))
    second = submit(client, clinic, for_patient(prescription, typed.format(stem)))
    assert first.status_code == second.status_code == 201
    [patient] = patient_rows(app, stem)
    assert patient.last_name == f"{stem} Cate"  # the name as first received stays
    assert order_row(app, second.get_json()).patient_id == patient.id


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("patient.first_name", "\u200b\u200b"),
        ("patient.last_name", "\u2060\ufeff"),
        ("patient.last_name", "Smith\u202e"),
        ("patient.medications", ["\u200b"]),
        ("patient.medications", ["oxy\u202ecodone"]),
        ("patient.allergies", ["\u00ad"]),
        ("patient.conditions", ["\u2067hepatitis\u2069"]),
        ("prescriber.last_name", "\u3164"),
        ("notes", "\u202dnone"),
    ],
    ids=[
        "zero-width-name",
        "joiners-name",
        "override-name",
        "invisible-medication",
        "override-medication",
        "soft-hyphen-allergy",
        "isolate-condition",
        "hangul-filler-prescriber",
        "override-notes",
    ],
)
def test_text_that_reads_otherwise_than_it_is_is_refused_naming_the_field(
    client, clinic, prescription, stored, path, value
):
    before = stored()
    response = submit(client, clinic, with_value(prescription, path, value))
    assert response.status_code == 422
    fields = [d["field"] for d in response.get_json()["details"]]
    assert any(f.startswith(path) for f in fields), fields
    assert stored() == before


def test_invisible_characters_inside_a_word_are_accepted_and_read(client, clinic, prescription):
    body = with_value(prescription, "patient.medications", ["oxy\u200bcodone 5 mg"])
    assert submit(client, clinic, body).status_code == 201
