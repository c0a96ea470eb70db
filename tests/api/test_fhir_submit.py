"""`POST /fhir/r4/MedicationRequest` and `POST /fhir/r4` (a transaction Bundle) as a
clinic's EHR sends them, on each database: HL7's compounded MedicationRequest example
adapted to LDN becomes the same order as the api.md example sent to /api/v1, alone or
as a Bundle; a titration in `sequence` order; an oral solution dosed in mL; what comes
back is valid FHIR R4; the CapabilityStatement; the clinic boundary."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class

from tests.support import fhir
from tests.support.orders import new_patient, submitted

INTEGRATORS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "fhir.md"

# What an order is, as the JSON API shows it: everything but its identity and times.
ORDER_FIELDS = (
    "status",
    "prescriber",
    "patient",
    "medication",
    "directions",
    "days_supply",
    "refills",
    "written_on",
    "diagnosis",
    "notes",
    "refills_remaining",
    "expires_on",
    "auto_refill",
    "renews",
)


def valid(resource: dict) -> dict:
    """`resource`, after checking it is a valid FHIR R4 resource of its type."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def shown(client, clinic, prescription_id: str) -> dict:
    """The order as the JSON API shows it."""
    response = client.get(f"/api/v1/prescriptions/{prescription_id}", headers=clinic.headers)
    assert response.status_code == 200
    return response.get_json()


def rx_number(resource: dict) -> str:
    return next(i["value"] for i in resource["identifier"] if i["system"].endswith("rx-number"))


def test_hl7s_compounded_example_adapted_to_ldn_is_the_api_md_order(
    client, clinic, today, prescription
):
    sent = fhir.medication_request(today)
    assert valid(sent)
    response = fhir.send(client, clinic, sent)

    assert response.status_code == 201, response.get_json()
    assert response.mimetype == "application/fhir+json"
    answer = valid(response.get_json())
    assert response.headers["Location"].endswith(f"/fhir/r4/MedicationRequest/{answer['id']}")
    assert answer["status"] == "active"
    assert answer["statusReason"]["coding"][0]["code"] == "received"
    assert {"system": fhir.ORDERS, "value": sent["identifier"][0]["value"]} in [
        {k: i[k] for k in ("system", "value")} for i in answer["identifier"]
    ]
    # The same order as the api.md example sent to /api/v1, field for field.
    by_fhir = shown(client, clinic, answer["id"])
    by_json = submitted(client, clinic, prescription)
    assert {k: by_fhir[k] for k in ORDER_FIELDS} == {k: by_json[k] for k in ORDER_FIELDS}
    assert by_fhir["rx_number"] == rx_number(answer)


def test_a_transaction_bundle_makes_the_same_order(client, clinic, today, prescription):
    bundle = fhir.as_bundle(fhir.for_patient(fhir.medication_request(today), "Bundleson"))
    assert valid(bundle)
    response = fhir.send(client, clinic, bundle)

    assert response.status_code == 201, response.get_json()
    answer = valid(response.get_json())
    assert answer["type"] == "transaction-response"
    assert len(answer["entry"]) == len(bundle["entry"])
    created, *taken = answer["entry"]
    order = created["resource"]
    assert created["response"]["status"] == "201 Created"
    assert created["response"]["location"] == response.headers["Location"]
    assert response.headers["Location"].endswith(f"/MedicationRequest/{order['id']}")
    assert all(entry["response"]["status"] == "200 OK" for entry in taken)
    by_fhir = shown(client, clinic, order["id"])
    by_json = submitted(client, clinic, new_patient(prescription, last_name="Bundleson"))
    assert {k: by_fhir[k] for k in ORDER_FIELDS} == {k: by_json[k] for k in ORDER_FIELDS}


def test_a_bundle_may_reference_its_entries_as_type_and_id(client, clinic, today):
    bundle = fhir.as_bundle(fhir.for_patient(fhir.medication_request(today)))
    order = bundle["entry"][0]["resource"]
    for entry in bundle["entry"][1:]:
        resource = entry["resource"]
        entry["fullUrl"] = (
            f"http://ehr.example.org/fhir/{resource['resourceType']}/{resource['id']}"
        )
        if resource["resourceType"] in ("Patient", "Practitioner", "Medication"):
            name = {"Patient": "subject", "Practitioner": "requester"}.get(
                resource["resourceType"], "medicationReference"
            )
            order[name] = {"reference": f"{resource['resourceType']}/{resource['id']}"}
    response = fhir.send(client, clinic, bundle)
    assert response.status_code == 201, response.get_json()


def test_a_titration_is_taken_in_sequence_order(client, clinic, today):
    sent = fhir.for_patient(fhir.titration(today))
    response = fhir.send(client, clinic, sent)
    assert response.status_code == 201, response.get_json()
    answer = valid(response.get_json())

    # 1.5 mg, then two and three 1.5 mg capsules; a week is 7 days.
    order = shown(client, clinic, answer["id"])
    assert order["directions"] == {
        "times_per_day": 1,
        "steps": [
            {"dose_mg": 1.5, "days": 7},
            {"dose_mg": 3, "days": 7},
            {"dose_mg": 4.5, "days": 16},
        ],
    }
    # Shown back as three dosage instructions in sequence, each with its bounds.
    steps = [
        (
            d["sequence"],
            d["doseAndRate"][0]["doseQuantity"]["value"],
            d["timing"]["repeat"]["boundsDuration"]["value"],
        )
        for d in answer["dosageInstruction"]
    ]
    assert steps == [(1, 1.5, 7), (2, 3, 7), (3, 4.5, 16)]


def test_an_oral_solution_dosed_in_millilitres(client, clinic, today):
    sent = fhir.for_patient(fhir.medication_request(today))
    medication = fhir.part(sent, "Medication")
    medication["form"] = {"coding": [fhir.ORAL_SOLUTION_FORM]}
    medication["ingredient"] = [
        {
            "itemCodeableConcept": {"coding": [fhir.NALTREXONE]},
            "strength": {"numerator": fhir.mg(5), "denominator": fhir.ml(5)},
        }
    ]
    sent["dosageInstruction"] = [fhir.dosage(1, fhir.ml(4.5), fhir.days(30))]
    response = fhir.send(client, clinic, sent)
    assert response.status_code == 201, response.get_json()

    order = shown(client, clinic, response.get_json()["id"])
    assert order["medication"] == {"dosage_form": "oral_liquid", "strength_mg": 1}
    assert order["directions"]["steps"] == [{"dose_mg": 4.5, "days": 30}]


def test_one_step_without_bounds_lasts_the_supply(client, clinic, today):
    sent = fhir.for_patient(fhir.medication_request(today))
    del sent["dosageInstruction"][0]["timing"]["repeat"]["boundsDuration"]
    sent["dispenseRequest"]["expectedSupplyDuration"] = fhir.days(60)
    sent["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = fhir.capsules(2)
    response = fhir.send(client, clinic, sent)
    assert response.status_code == 201, response.get_json()

    order = shown(client, clinic, response.get_json()["id"])
    assert order["days_supply"] == 60
    assert order["directions"]["steps"] == [{"dose_mg": 3, "days": 60}]


def test_a_renewal_names_the_prescription_it_renews(client, clinic, today):
    first = fhir.send(client, clinic, fhir.medication_request(today)).get_json()
    renewal = fhir.medication_request(today)
    renewal["priorPrescription"] = {"reference": f"MedicationRequest/{first['id']}"}
    response = fhir.send(client, clinic, renewal)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["priorPrescription"] == {
        "reference": f"MedicationRequest/{first['id']}"
    }
    assert shown(client, clinic, response.get_json()["id"])["renews"] == first["id"]


def test_the_order_reads_back_as_a_medication_request(client, clinic, today):
    created = fhir.send(client, clinic, fhir.medication_request(today)).get_json()
    response = client.get(f"{fhir.MEDICATION_REQUESTS}/{created['id']}", headers=clinic.headers)

    assert response.status_code == 200
    read = valid(response.get_json())
    assert read["id"] == created["id"]
    assert read["status"] == "active"
    assert read["dosageInstruction"] == created["dosageInstruction"]
    assert read["contained"] == created["contained"]


@pytest.mark.parametrize("path", ["MedicationRequest/{id}", "MedicationDispense?prescription={id}"])
def test_another_clinics_order_is_not_found(client, clinic, other_clinic, today, path):
    created = fhir.send(client, clinic, fhir.medication_request(today)).get_json()
    response = client.get(
        f"{fhir.BASE}/{path.format(id=created['id'])}", headers=other_clinic.headers
    )
    if path.startswith("MedicationDispense"):
        assert response.status_code == 200
        assert valid(response.get_json())["total"] == 0
    else:
        assert response.status_code == 404
        assert valid(response.get_json())["issue"][0]["code"] == "not-found"


def test_the_capability_statement_is_public(client):
    response = client.get(f"{fhir.BASE}/metadata")
    assert response.status_code == 200
    statement = valid(response.get_json())
    assert statement["fhirVersion"] == "4.0.1"
    served = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert {i["code"] for i in served["MedicationRequest"]["interaction"]} == {"create", "read"}
    assert served["MedicationDispense"]["searchParam"][0]["name"] == "prescription"


def test_plain_json_is_taken_too(client, clinic, today):
    response = client.post(
        fhir.MEDICATION_REQUESTS, json=fhir.medication_request(today), headers=clinic.headers
    )
    assert response.status_code == 201


def test_the_json_api_is_untouched_by_a_fhir_order(client, clinic, today, prescription):
    """A FHIR order is a plain order: the JSON API lists it, and cancels it."""
    sent = copy.deepcopy(fhir.medication_request(today))
    created = fhir.send(client, clinic, sent).get_json()
    cancelled = client.post(f"/api/v1/prescriptions/{created['id']}/cancel", headers=clinic.headers)
    assert cancelled.status_code == 200
    read = client.get(f"{fhir.MEDICATION_REQUESTS}/{created['id']}", headers=clinic.headers)
    assert read.get_json()["status"] == "cancelled"


def test_a_practitioner_role_names_the_prescriber(client, clinic, today):
    """US Core EHRs often send the requester as a PractitionerRole: its practitioner is
    the prescriber, and its phone counts when the person has none."""
    bundle = fhir.as_bundle(fhir.for_patient(fhir.medication_request(today)))
    order = bundle["entry"][0]["resource"]
    practitioner = next(
        e for e in bundle["entry"] if e["resource"]["resourceType"] == "Practitioner"
    )
    phone = practitioner["resource"].pop("telecom")
    bundle["entry"].append(
        {
            "fullUrl": "urn:uuid:7d0f4f0e-8a47-4a5e-9d4e-2b1c3f5a6e70",
            "resource": {
                "resourceType": "PractitionerRole",
                "practitioner": {"reference": practitioner["fullUrl"]},
                "telecom": phone,
            },
            "request": {"method": "POST", "url": "PractitionerRole"},
        }
    )
    order["requester"] = {"reference": "urn:uuid:7d0f4f0e-8a47-4a5e-9d4e-2b1c3f5a6e70"}
    response = fhir.send(client, clinic, bundle)
    assert response.status_code == 201, response.get_json()
    order_id = response.get_json()["entry"][0]["resource"]["id"]
    assert shown(client, clinic, order_id)["prescriber"] == {
        "npi": "1234567893",
        "first_name": "Joe",
        "last_name": "Example",
        "phone": "614-555-0100",
    }


def test_the_integrators_page_example_is_taken(client, clinic, today):
    """docs/fhir.md's request, as a clinic would copy it (written yesterday)."""
    example = json.loads(INTEGRATORS_PAGE.read_text().split("```json\n", 1)[1].split("```")[0])
    example["authoredOn"] = (today - timedelta(days=1)).isoformat()
    example["identifier"][0]["value"] = f"RX-{uuid.uuid4().hex[:8]}"
    response = fhir.send(client, clinic, example)

    assert response.status_code == 201, response.get_json()
    order = shown(client, clinic, response.get_json()["id"])
    assert order["directions"]["steps"] == [
        {"dose_mg": 1.5, "days": 14},
        {"dose_mg": 3, "days": 16},
    ]
    assert order["refills"] == 2
    assert order["patient"]["medications"] == ["levothyroxine 50 mcg daily"]
