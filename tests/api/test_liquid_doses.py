"""Oral liquid doses are measured with an oral syringe (domain §10): a dose volume under
0.2 mL, or not a multiple of 0.1 mL, is refused at intake, naming the step and the
nearest doses the syringe measures; nothing is stored."""

import pytest

from tests.support.orders import submit, with_value


def liquid(prescription, strength, *doses):
    body = with_value(
        prescription, "medication", {"dosage_form": "oral_liquid", "strength_mg": strength}
    )
    steps = [{"dose_mg": dose, "days": 30 // len(doses)} for dose in doses]
    return with_value(body, "directions.steps", steps)


@pytest.mark.parametrize(
    ("strength", "dose", "message"),
    [
        (
            1,
            1.25,
            "1.25 mg of a 1 mg/mL liquid is 1.25 mL, which is not a multiple of 0.1 mL: an "
            "oral syringe cannot measure it; the nearest measurable doses are 1.2 mg (1.2 mL) "
            "and 1.3 mg (1.3 mL)",
        ),
        (
            1.75,
            1.5,
            "1.5 mg of a 1.75 mg/mL liquid is 0.857 mL, which is not a multiple of 0.1 mL: an "
            "oral syringe cannot measure it; the nearest measurable doses are 1.4 mg (0.8 mL) "
            "and 1.75 mg (1.0 mL)",
        ),
        (
            4.5,
            0.5,
            "0.5 mg of a 4.5 mg/mL liquid is 0.111 mL, which is under 0.2 mL: an oral syringe "
            "cannot measure it; the nearest measurable dose is 0.9 mg (0.2 mL)",
        ),
    ],
)
def test_an_unmeasurable_dose_is_refused_with_the_nearest_measurable_doses(
    client, clinic, prescription, stored, strength, dose, message
):
    before = stored()
    response = submit(client, clinic, liquid(prescription, strength, dose))
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "validation_failed"
    assert body["details"] == [{"field": "directions.steps[0].dose_mg", "message": message}]
    assert stored() == before


def test_each_step_of_a_titration_is_checked_and_named(client, clinic, prescription):
    response = submit(client, clinic, liquid(prescription, 1, 1.5, 2.25, 3))
    assert response.status_code == 422
    [detail] = response.get_json()["details"]
    assert detail["field"] == "directions.steps[1].dose_mg"
    assert "2.2 mg (2.2 mL) and 2.3 mg (2.3 mL)" in detail["message"]


@pytest.mark.parametrize(("strength", "dose"), [(1, 0.5), (1, 4.5), (4.5, 0.9), (1.75, 3.5)])
def test_a_dose_the_syringe_measures_is_accepted(client, clinic, prescription, strength, dose):
    assert submit(client, clinic, liquid(prescription, strength, dose)).status_code == 201


def test_capsule_doses_are_not_measured_by_volume(client, clinic, prescription):
    body = with_value(prescription, "medication", {"dosage_form": "capsule", "strength_mg": 0.75})
    body = with_value(body, "directions.steps", [{"dose_mg": 0.75, "days": 30}])
    assert submit(client, clinic, body).status_code == 201
