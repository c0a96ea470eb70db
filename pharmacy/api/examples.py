"""The example prescription of the API contract (api.md), shown in the OpenAPI document
and used by the tests and benchmarks as their starting order."""

from __future__ import annotations

from typing import Any

EXAMPLE_PRESCRIPTION: dict[str, Any] = {
    "prescriber": {
        "npi": "1234567893",
        "first_name": "Joe",
        "last_name": "Example",
        "phone": "614-555-0100",
    },
    "patient": {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "date_of_birth": "1980-01-02",
        "phone": "614-555-0199",
        "address": {
            "line1": "1 Main St",
            "city": "Columbus",
            "state": "OH",
            "postal_code": "43212",
        },
        "allergies": ["sulfa"],
        "medications": ["levothyroxine 50 mcg daily"],
        "conditions": ["fibromyalgia"],
    },
    "medication": {"dosage_form": "capsule", "strength_mg": 1.5},
    "directions": {"times_per_day": 1, "steps": [{"dose_mg": 1.5, "days": 30}]},
    "days_supply": 30,
    "refills": 2,
    "written_on": "2026-11-20",
    "diagnosis": "M79.7",
    "notes": "free text for the pharmacist",
}
