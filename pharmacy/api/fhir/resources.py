"""A clinic's prescription shown as FHIR R4 resources: the MedicationRequest, one
MedicationDispense per dispensed fill, the Bundles that carry them, and the server's
CapabilityStatement. Built as plain dicts from what the JSON API shows
(`services.reads.clinic_orders.ClinicOrder`), as `render` builds that API's answers.

The MedicationRequest's status says where the prescription stands as a whole, from
the pharmacy's status of its latest fill (`statusReason` carries that status itself):

| pharmacy status of the latest fill | MedicationRequest.status |
|---|---|
| received, ready, compounded, verified | active |
| on_hold, awaiting_prescriber | on-hold |
| dispensed or shipped, or a refill cancelled, with refills left and not expired | active |
| dispensed or shipped, or a refill cancelled, with no refills left or expired | completed |
| cancelled or rejected before any fill was handed over | cancelled |
| a refill rejected (no refill may follow it) | stopped |
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pharmacy.services.reads.clinic_orders import ClinicOrder
from pharmacy.services.reads.fills import FillShown

from ..render import _number
from .mapping import ICD10CM, NALTREXONE, NPI, RXNORM, SNOMED, UCUM, OrderNumber
from .outcome import FHIR_JSON

# The pharmacy's own code systems and identifiers.
RX_NUMBERS = "urn:ldn-pharmacy:rx-number"
FILL_NUMBERS = "urn:ldn-pharmacy:fill"  # <rx number>-<fill number>
STATUS_CODES = "urn:ldn-pharmacy:prescription-status"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CAPABILITY_DATE = "2026-12-03"  # when what the server does last changed

ON_HOLD = ("on_hold", "awaiting_prescriber")
IN_HAND = ("received", "ready", "compounded", "verified")
HANDED_OVER = ("dispensed", "shipped")  # a shipped fill is handed over as a dispensed one
STATUS_TEXT = {
    "received": "received, not yet worked",
    "ready": "worked: worksheet and price done, waiting to be compounded",
    "on_hold": "on hold: an alert needs a pharmacist",
    "awaiting_prescriber": "on hold: the pharmacist asked the prescriber a question",
    "compounded": "compounded, waiting for the pharmacist's check",
    "verified": "checked by the pharmacist, ready to hand over",
    "dispensed": "dispensed",
    "shipped": "shipped to the patient",
    "rejected": "rejected by the pharmacist",
    "cancelled": "cancelled",
}
FORM_CODING = {
    "capsule": {"system": SNOMED, "code": "385049006", "display": "Capsule"},
    "oral_liquid": {"system": SNOMED, "code": "385023001", "display": "Oral solution"},
}
NALTREXONE_CODE = {"system": RXNORM, "code": NALTREXONE, "display": "naltrexone"}


def fhir_status(order: ClinicOrder, today: date) -> str:
    """MedicationRequest.status for the prescription (the module's table)."""
    status = order.status
    if status in ON_HOLD:
        return "on-hold"
    if status in IN_HAND:
        return "active"
    if status not in (*HANDED_OVER, "cancelled", "rejected"):
        return "unknown"
    if status not in HANDED_OVER and not any(fill.dispensed_on for fill in order.fills):
        return "cancelled"
    if status == "rejected":
        return "stopped"
    if order.refills_remaining > 0 and today <= order.expires_on:
        return "active"
    return "completed"


def _duration(days: int) -> dict[str, Any]:
    return {"value": days, "unit": "days", "system": UCUM, "code": "d"}


def _mg(value: Decimal) -> dict[str, Any]:
    return {"value": _number(value), "unit": "mg", "system": UCUM, "code": "mg"}


def _amount(value: Decimal, unit: str | None) -> dict[str, Any]:
    if unit == "capsule":
        return {"value": int(value), "unit": "capsule", "system": UCUM, "code": "{capsule}"}
    return {"value": _number(value), "unit": "mL", "system": UCUM, "code": "mL"}


def _counted_in(order: ClinicOrder) -> str:
    return "capsule" if order.dosage_form == "capsule" else "mL"


def medication_name(order: ClinicOrder) -> str:
    strength = _number(order.strength_mg)
    if order.dosage_form == "capsule":
        return f"naltrexone {strength} mg capsule (compounded)"
    return f"naltrexone {strength} mg/mL oral solution (compounded)"


def medication(order: ClinicOrder) -> dict[str, Any]:
    """The compounded LDN, contained as #medication."""
    return {
        "resourceType": "Medication",
        "id": "medication",
        "code": {"coding": [NALTREXONE_CODE], "text": medication_name(order)},
        "form": {"coding": [FORM_CODING[order.dosage_form]]},
        "ingredient": [
            {
                "itemCodeableConcept": {"coding": [NALTREXONE_CODE]},
                "isActive": True,
                "strength": {
                    "numerator": _mg(order.strength_mg),
                    "denominator": _amount(Decimal(1), _counted_in(order)),
                },
            }
        ],
    }


def _name(person: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"family": person["last_name"], "given": [person["first_name"]]}]


def _phone(person: dict[str, Any], use: str) -> dict[str, Any]:
    phone = person.get("phone")
    return {"telecom": [{"system": "phone", "value": phone, "use": use}]} if phone else {}


def patient(sent: dict[str, Any]) -> dict[str, Any]:
    """The patient as the clinic sent them, contained as #patient."""
    resource = {
        "resourceType": "Patient",
        "id": "patient",
        "name": _name(sent),
        "birthDate": sent["date_of_birth"],
        **_phone(sent, "mobile"),
    }
    address = sent.get("address")
    if address:
        lines = [address["line1"], *([address["line2"]] if address.get("line2") else [])]
        resource["address"] = [
            {
                "line": lines,
                "city": address["city"],
                "state": address["state"],
                "postalCode": address["postal_code"],
            }
        ]
    return resource


def practitioner(sent: dict[str, Any]) -> dict[str, Any]:
    """The prescriber as the clinic sent them, contained as #prescriber."""
    return {
        "resourceType": "Practitioner",
        "id": "prescriber",
        "identifier": [{"system": NPI, "value": sent["npi"]}],
        "name": _name(sent),
        **_phone(sent, "work"),
    }


def _full_name(person: dict[str, Any]) -> str:
    return f"{person['first_name']} {person['last_name']}"


def _dosage(order: ClinicOrder, number: int) -> dict[str, Any]:
    step = order.steps[number]
    times = order.times_per_day
    how_often = "once a day" if times == 1 else f"{times} times a day"
    days = f" for {step.days} days" if step.days else ""
    repeat: dict[str, Any] = {"frequency": times, "period": 1, "periodUnit": "d"}
    if step.days:
        repeat["boundsDuration"] = _duration(step.days)
    return {
        "sequence": number + 1,
        "text": f"{_number(step.dose_mg)} mg {how_often}{days}",
        "timing": {"repeat": repeat},
        "doseAndRate": [{"doseQuantity": _mg(step.dose_mg)}],
    }


def medication_request(
    order: ClinicOrder, today: date, order_number: OrderNumber | None = None
) -> dict[str, Any]:
    """The prescription as a MedicationRequest, its patient, prescriber and medication
    contained; `order_number` is the EHR's identifier, when it is known."""
    sent = order.as_sent
    status = order.status
    identifiers = [{"use": "official", "system": RX_NUMBERS, "value": order.rx_number}]
    if order_number is not None:
        identifiers.append({"use": "usual", **order_number.as_identifier()})
    dispense: dict[str, Any] = {
        "validityPeriod": {
            "start": order.written_on.isoformat(),
            "end": order.expires_on.isoformat(),
        },
        "numberOfRepeatsAllowed": order.refills,
    }
    if order.quantity is not None:
        dispense["quantity"] = _amount(order.quantity, order.quantity_unit)
    dispense["expectedSupplyDuration"] = _duration(order.days_supply)
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": str(order.uid),
        "meta": {"lastUpdated": order.updated_at.isoformat()},
        "contained": [
            medication(order),
            patient(sent["patient"]),
            practitioner(sent["prescriber"]),
        ],
        "identifier": identifiers,
        "status": fhir_status(order, today),
        "statusReason": {
            "coding": [{"system": STATUS_CODES, "code": status}],
            "text": STATUS_TEXT.get(status, status),
        },
        "intent": "order",
        "medicationReference": {
            "reference": "#medication",
            "display": medication_name(order),
        },
        "subject": {"reference": "#patient", "display": _full_name(sent["patient"])},
        "authoredOn": order.written_on.isoformat(),
        "requester": {"reference": "#prescriber", "display": _full_name(sent["prescriber"])},
    }
    if order.diagnosis:
        resource["reasonCode"] = [{"coding": [{"system": ICD10CM, "code": order.diagnosis}]}]
    if order.notes:
        resource["note"] = [{"text": order.notes}]
    resource["dosageInstruction"] = [_dosage(order, n) for n in range(len(order.steps))]
    resource["dispenseRequest"] = dispense
    if order.renews:
        resource["priorPrescription"] = {"reference": f"MedicationRequest/{order.renews}"}
    return resource


def dispense_id(order: ClinicOrder, fill: FillShown) -> str:
    return f"{order.uid}-{fill.number}"


def dispensed_fills(order: ClinicOrder) -> list[FillShown]:
    return [fill for fill in order.fills if fill.dispensed_on is not None]


def medication_dispense(order: ClinicOrder, fill: FillShown) -> dict[str, Any]:
    """One dispensed fill of the prescription."""
    first = fill.refill == 0
    resource: dict[str, Any] = {
        "resourceType": "MedicationDispense",
        "id": dispense_id(order, fill),
        "contained": [medication(order)],
        "identifier": [{"system": FILL_NUMBERS, "value": f"{order.rx_number}-{fill.number}"}],
        "status": "completed",
        "medicationReference": {
            "reference": "#medication",
            "display": medication_name(order),
        },
        "subject": {"display": _full_name(order.as_sent["patient"])},
        "authorizingPrescription": [{"reference": f"MedicationRequest/{order.uid}"}],
        "type": {
            "coding": [
                {
                    "system": ACT_CODE,
                    "code": "FF" if first else "RF",
                    "display": "First Fill" if first else "Refill",
                }
            ],
            "text": fill.name,
        },
        "daysSupply": _duration(order.days_supply),
        "whenHandedOver": fill.dispensed_on.isoformat() if fill.dispensed_on else None,
    }
    if fill.quantity is not None:
        resource["quantity"] = _amount(fill.quantity, fill.quantity_unit)
    if fill.beyond_use_date is not None:
        resource["note"] = [{"text": f"Beyond-use date {fill.beyond_use_date.isoformat()}"}]
    return resource


def searchset(resources: Sequence[dict[str, Any]], self_url: str, base: str) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "link": [{"relation": "self", "url": self_url}],
        "entry": [
            {
                "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in resources
        ],
    }


def transaction_response(
    kinds: Sequence[str], order: dict[str, Any], location: str, replayed: bool
) -> dict[str, Any]:
    """The answer to a transaction Bundle: its MedicationRequest created (or found
    already, for a retry), and each other entry taken into it."""
    taken = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "information",
                "code": "informational",
                "details": {
                    "text": f"taken into MedicationRequest/{order['id']} as part of the "
                    "prescription (shown there, contained); not kept as a resource of its own"
                },
            }
        ],
    }
    entries = []
    for kind in kinds:
        if kind == "MedicationRequest":
            entries.append(
                {
                    "resource": order,
                    "response": {
                        "status": "200 OK" if replayed else "201 Created",
                        "location": location,
                        "lastModified": order["meta"]["lastUpdated"],
                    },
                }
            )
        else:
            entries.append({"response": {"status": "200 OK", "outcome": taken}})
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}


def capability_statement(base: str) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": CAPABILITY_DATE,
        "kind": "instance",
        "software": {"name": "LDN order service"},
        "implementation": {
            "description": "Compounded low dose naltrexone: prescriptions from clinics' EHRs "
            "become orders by the same rules as the JSON API /api/v1",
            "url": base,
        },
        "fhirVersion": "4.0.1",
        "format": [FHIR_JSON, "json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Authorization: Bearer <the clinic's API key>, the same "
                    "key as /api/v1's. A clinic sees only its own prescriptions."
                },
                "resource": [
                    {
                        "type": "MedicationRequest",
                        "interaction": [{"code": "create"}, {"code": "read"}],
                        "documentation": "One LDN prescription: a Medication (RxNorm 7243 "
                        "naltrexone, strength per capsule or per mL), its Patient and its "
                        "Practitioner (NPI) contained; identifier is the order number a "
                        "retry is known by",
                    },
                    {
                        "type": "MedicationDispense",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            {
                                "name": "prescription",
                                "type": "reference",
                                "documentation": "The MedicationRequest whose dispensed "
                                "fills are listed, one MedicationDispense each",
                            }
                        ],
                    },
                ],
                "interaction": [
                    {
                        "code": "transaction",
                        "documentation": "A Bundle holding one MedicationRequest and its "
                        "Patient, Practitioner and Medication as entries",
                    }
                ],
            }
        ],
    }
