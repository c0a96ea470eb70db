"""An order the worker cannot work is held where a pharmacist sees it, not retried for
ever; the rules come from the database, so a new formula version changes the work."""

from pharmacy.extensions import database
from pharmacy.models import MasterFormulationRecord
from tests.support.orders import new_patient
from tests.support.workers import worked


def test_an_order_that_cannot_be_worked_is_held_with_the_reason(
    pharmacy_on, machine_redis, prescription
):
    pharmacy = pharmacy_on(machine_redis)
    with pharmacy.session():
        # A formula version missing its filler: the worksheet cannot be computed.
        database.session.add(
            MasterFormulationRecord(
                dosage_form="capsule",
                version=99,
                name="broken",
                created_by="test",
                formula={
                    "api": "naltrexone_hcl",
                    "api_reference_mw": "377.87",
                    "overage_percent": "5",
                    "container": "vial_cap",
                    "bud_category": "nonaqueous_solid",
                    "storage": "room temperature",
                },
            )
        )
        database.session.commit()
    pharmacy.worker()
    order = worked(pharmacy, pharmacy.submit(new_patient(prescription))["id"])
    assert order["status"] == "on_hold"
    [alert] = order["alerts"]
    assert alert["code"] == "processing_failed"
    assert alert["severity"] == "hard_stop"
    assert order["price"] is None
