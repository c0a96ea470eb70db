"""FHIR R4 requests as a clinic's EHR sends them, and reading the answers.

`medication_request` is HL7's own example of a compounded product ordered through a
contained Medication (MedicationRequest medrx0329, "HC 1%, Salicylic Acid 5% in Glaxal
Base": contained Medication with form and ingredient strengths, identifier, status
active, intent order, medicationReference '#...', authoredOn, requester, one
dosageInstruction with sequence, text, additionalInstruction, timing, route and an
ordered doseQuantity, dispenseRequest with validityPeriod, numberOfRepeatsAllowed,
quantity and expectedSupplyDuration), adapted to LDN: naltrexone (RxNorm 7243) 1.5 mg
per capsule, and the patient and prescriber contained too. It says what the api.md
example of /api/v1 says (`tests.support.orders.prescription_on`), field for field:
the same prescriber, patient and lists, 1.5 mg once a day for 30 days, 2 refills,
written yesterday.
"""

from __future__ import annotations

import copy
import uuid
from datetime import date, timedelta
from typing import Any

from tests.support.clinics import ClinicAccess

BASE = "/fhir/r4"
MEDICATION_REQUESTS = f"{BASE}/MedicationRequest"
DISPENSES = f"{BASE}/MedicationDispense"
FHIR_JSON = "application/fhir+json"

UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NPI = "http://hl7.org/fhir/sid/us-npi"
ORDERS = "http://ehr.example.org/fhir/order-numbers"  # an EHR's own order numbers
NALTREXONE = {"system": RXNORM, "code": "7243", "display": "naltrexone"}
CAPSULE_FORM = {"system": SNOMED, "code": "385049006", "display": "Capsule"}
ORAL_SOLUTION_FORM = {"system": SNOMED, "code": "385023001", "display": "Oral solution"}


def mg(value: Any) -> dict[str, Any]:
    return {"value": value, "unit": "mg", "system": UCUM, "code": "mg"}


def capsules(value: Any) -> dict[str, Any]:
    return {"value": value, "unit": "capsule", "system": UCUM, "code": "{capsule}"}


def ml(value: Any) -> dict[str, Any]:
    return {"value": value, "unit": "mL", "system": UCUM, "code": "mL"}


def days(value: Any) -> dict[str, Any]:
    return {"value": value, "unit": "days", "system": UCUM, "code": "d"}


def dosage(sequence: int, dose: dict[str, Any], length: dict[str, Any] | None = None) -> dict:
    """One step: `dose` once a day at bedtime, for `length` (the whole supply if None)."""
    repeat: dict[str, Any] = {"frequency": 1, "period": 1, "periodUnit": "d", "when": ["HS"]}
    if length is not None:
        repeat["boundsDuration"] = length
    return {
        "sequence": sequence,
        "text": "Take by mouth once daily at bedtime",
        "additionalInstruction": [{"text": "Take at bedtime"}],
        "timing": {"repeat": repeat},
        "route": {"coding": [{"system": SNOMED, "code": "26643006", "display": "Oral route"}]},
        "doseAndRate": [
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/dose-rate-type",
                            "code": "ordered",
                            "display": "Ordered",
                        }
                    ]
                },
                "doseQuantity": dose,
            }
        ],
    }


def medication_request(today: date, *, order_number: str | None = None) -> dict[str, Any]:
    """HL7's compounded MedicationRequest example adapted to LDN (the module's doc),
    written yesterday, with an order number of its own unless one is given."""
    written = (today - timedelta(days=1)).isoformat()
    return {
        "resourceType": "MedicationRequest",
        "contained": [
            {
                "resourceType": "Medication",
                "id": "ldn",
                "code": {"coding": [NALTREXONE], "text": "Naltrexone 1.5 mg capsules (LDN)"},
                "form": {"coding": [CAPSULE_FORM], "text": "Capsule"},
                "ingredient": [
                    {
                        "itemCodeableConcept": {"coding": [NALTREXONE]},
                        "isActive": True,
                        "strength": {"numerator": mg(1.5), "denominator": capsules(1)},
                    },
                    {
                        "itemCodeableConcept": {"text": "Microcrystalline cellulose"},
                        "isActive": False,
                    },
                ],
            },
            {
                "resourceType": "Patient",
                "id": "pat1",
                "name": [{"use": "official", "family": "Lovelace", "given": ["Ada"]}],
                "telecom": [{"system": "phone", "value": "614-555-0199", "use": "mobile"}],
                "birthDate": "1980-01-02",
                "address": [
                    {
                        "use": "home",
                        "line": ["1 Main St"],
                        "city": "Columbus",
                        "state": "OH",
                        "postalCode": "43212",
                    }
                ],
            },
            {
                "resourceType": "Practitioner",
                "id": "f007",
                "identifier": [{"system": NPI, "value": "1234567893"}],
                "name": [{"family": "Example", "given": ["Joe"], "prefix": ["Dr."]}],
                "telecom": [{"system": "phone", "value": "614-555-0100", "use": "work"}],
            },
            {
                "resourceType": "AllergyIntolerance",
                "id": "allergy1",
                "clinicalStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/"
                            "allergyintolerance-clinical",
                            "code": "active",
                        }
                    ]
                },
                "code": {"text": "sulfa"},
                "patient": {"reference": "#pat1"},
            },
            {
                "resourceType": "MedicationStatement",
                "id": "med1",
                "status": "active",
                "medicationCodeableConcept": {"text": "levothyroxine"},
                "subject": {"reference": "#pat1"},
                "dosage": [{"text": "50 mcg daily"}],
            },
            {
                "resourceType": "Condition",
                "id": "cond1",
                "code": {"text": "fibromyalgia"},
                "subject": {"reference": "#pat1"},
            },
        ],
        "identifier": [
            {
                "use": "official",
                "system": ORDERS,
                "value": order_number or f"RX-{uuid.uuid4().hex[:12]}",
            }
        ],
        "status": "active",
        "intent": "order",
        "medicationReference": {"reference": "#ldn"},
        "subject": {"reference": "#pat1", "display": "Ada Lovelace"},
        "authoredOn": written,
        "requester": {"reference": "#f007", "display": "Joe Example"},
        "reasonCode": [
            {
                "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M79.7"}],
                "text": "Fibromyalgia",
            }
        ],
        "supportingInformation": [
            {"reference": "#allergy1"},
            {"reference": "#med1"},
            {"reference": "#cond1"},
        ],
        "note": [{"text": "free text for the pharmacist"}],
        "dosageInstruction": [dosage(1, mg(1.5), days(30))],
        "dispenseRequest": {
            "validityPeriod": {"start": written},
            "numberOfRepeatsAllowed": 2,
            "quantity": capsules(30),
            "expectedSupplyDuration": days(30),
        },
    }


def titration(today: date, **options: Any) -> dict[str, Any]:
    """The example as a titration over one 30-day fill: 1.5 mg for 7 days, 3 mg (two
    capsules) for 7 days, then 4.5 mg (three capsules) for 16 days; sent out of order,
    as `sequence` puts them in order."""
    body = medication_request(today, **options)
    body["dosageInstruction"] = [
        dosage(3, capsules(3), days(16)),
        dosage(1, mg(1.5), days(7)),
        dosage(2, capsules(2), {"value": 1, "unit": "week", "system": UCUM, "code": "wk"}),
    ]
    return body


def for_patient(body: dict[str, Any], last_name: str | None = None) -> dict[str, Any]:
    """`body` for a patient of its own (one LDN order per patient at a time)."""
    body = copy.deepcopy(body)
    patient = part(body, "Patient")
    patient["name"][0]["family"] = last_name or f"Fhirpatient-{uuid.uuid4().hex[:10]}"
    return body


def part(body: dict[str, Any], kind: str) -> dict[str, Any]:
    """The contained resource of `kind` (the first)."""
    return next(r for r in body["contained"] if r["resourceType"] == kind)


def as_bundle(body: dict[str, Any]) -> dict[str, Any]:
    """`body` as a transaction Bundle: its contained resources become entries with
    urn:uuid fullUrls, and the references to them point to those."""
    body = copy.deepcopy(body)
    contained = body.pop("contained")
    urls = {f"#{resource['id']}": f"urn:uuid:{uuid.uuid4()}" for resource in contained}

    def repoint(resource: dict[str, Any], *names: str) -> None:
        for name in names:
            if name in resource:
                resource[name] = {"reference": urls[resource[name]["reference"]]}

    for resource in contained:
        repoint(resource, "patient", "subject")
    repoint(body, "medicationReference", "subject", "requester")
    body["supportingInformation"] = [
        {"reference": urls[ref["reference"]]} for ref in body.get("supportingInformation", [])
    ]
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            _entry(f"urn:uuid:{uuid.uuid4()}", body),
            *(_entry(urls[f"#{resource['id']}"], resource) for resource in contained),
        ],
    }


def _entry(url: str, resource: dict[str, Any]) -> dict[str, Any]:
    kind = resource["resourceType"]
    return {"fullUrl": url, "resource": resource, "request": {"method": "POST", "url": kind}}


# --- through the API ---------------------------------------------------------------------


def send(client, clinic: ClinicAccess, resource: Any, url: str | None = None, **headers: str):
    """`resource` POSTed as the clinic's EHR sends it: a Bundle to the base, anything
    else to /MedicationRequest, as application/fhir+json."""
    if url is None:
        is_bundle = isinstance(resource, dict) and resource.get("resourceType") == "Bundle"
        url = BASE if is_bundle else MEDICATION_REQUESTS
    return client.post(
        url,
        json=resource,
        headers={**clinic.headers, "Content-Type": FHIR_JSON, **headers},
    )


def issues(response) -> dict[str, str]:
    """An OperationOutcome's issues: FHIRPath expression -> the text of why."""
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome", outcome
    return {
        (issue.get("expression") or [""])[0]: issue["details"]["text"] for issue in outcome["issue"]
    }
