"""bench/intake's FHIR side: POST /fhir/r4/MedicationRequest in the same run, against
the same bare floor, as POST /api/v1/prescriptions.

The body is the tests' FHIR example (`tests/support/fhir.py`: HL7's compounded
MedicationRequest adapted to LDN, with its Medication, Patient, Practitioner and the
patient's allergy, medication and condition contained), which says what the JSON
side's body says; written yesterday. Like the JSON side, which sends no
Idempotency-Key, it carries no order number (`identifier`), so every POST makes a new
order, each for a new patient: post.lua renames the first "Lovelace" in the body,
which is the contained Patient's family name. What the FHIR side costs beyond the JSON
side is the front door itself: reading and validating the resources with the FHIR R4
models, mapping them to the submit body, and rendering the MedicationRequest.

run.py calls `measured` once a round, right after the JSON side, and `report` at the
end: the FHIR rate, p50, p99 and its ratio to the bare floor of the same round (the
median of the rounds), against TARGET.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from tempfile import NamedTemporaryFile

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the tests' example resources (tests/support/fhir.py)

from tests.support.fhir import MEDICATION_REQUESTS, medication_request  # noqa: E402

PATH = MEDICATION_REQUESTS
TARGET = 0.5  # the FHIR endpoint must keep at least this share of the bare floor's rate
LABEL = "fhir"


def body(today: date) -> dict:
    """The tests' example without an order number, so each POST is a new order."""
    resource = medication_request(today)
    del resource["identifier"]
    return resource


@contextmanager
def body_file(today: date) -> Iterator[str]:
    with NamedTemporaryFile("w", suffix=".json") as file:
        json.dump(body(today), file)
        file.flush()
        yield file.name


def measured(measure, body_path: str) -> dict:
    """One FHIR measurement, with the same server settings as the JSON side's."""
    return measure.run(
        LABEL,
        [f"--chdir={ROOT}", "pharmacy:create_app()"],
        "SELECT count(*) FROM prescriptions",
        path=PATH,
        body_path=body_path,
    )


def report(rounds: list[tuple[dict, dict]], fhir_rounds: list[dict]) -> dict:
    """Print the FHIR line of the table and its ratio to the bare floor of each round;
    the result for the JSON file, with its verdict (run.py prints it last)."""
    ratios = [
        fhir["requests_per_s"] / bare["requests_per_s"]
        for (bare, _), fhir in zip(rounds, fhir_rounds, strict=True)
    ]
    median = sorted(range(len(ratios)), key=ratios.__getitem__)[len(ratios) // 2]
    fhir, ratio = fhir_rounds[median], ratios[median]
    verdict = "PASS" if ratio >= TARGET else "BELOW"
    print(
        f"{LABEL:6}{fhir['requests_per_s']:12.1f}{fhir['p50_us'] / 1000:10.2f}"
        f"{fhir['p99_us'] / 1000:10.2f}{fhir['rows_stored']:8d}"
        f"{fhir['server_cpu_ms_per_request']:12.2f}"
    )
    if len(ratios) > 1:
        print(f"fhir ratios of the {len(ratios)} rounds: {', '.join(f'{r:.3f}' for r in ratios)}")
    result = {k: v for k, v in fhir.items() if k != "wrk_report"}
    return {
        "path": PATH,
        "result": result,
        "ratio": round(ratio, 4),
        "round_ratios": [round(r, 4) for r in ratios],
        "target": TARGET,
        "verdict": verdict,
    }
