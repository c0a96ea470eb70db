"""Lines a reviewing pharmacist sent through the API, one order each, worked by the
worker's own code: every opioid is held and named; no look-alike is held."""

import pytest

from pharmacy.extensions import database
from pharmacy.services import worker as work
from tests.support.orders import new_patient, submit

HELD = [
    ("medications", "Nalocet 2.5/300"),
    ("medications", "Primlev 10/300"),
    ("medications", "OxyIR 5 mg"),
    ("medications", "Hycet 7.5/325 per 15 mL"),
    ("medications", "Synalgos-DC"),
    ("medications", "Tuzistra XR 10 mL q12h"),
    ("medications", "Dsuvia 30 mcg SL"),
    ("medications", "Olinvyk"),
    ("medications", "percoset 10/325"),
    ("medications", "tramadal 50 mg"),
    ("medications", "oxy codone 5mg"),
    ("medications", "MSO4 15 mg ER"),
    ("medications", "B&O suppository"),
    ("medications", "7-OH tablets"),
    ("medications", "tianeptine (Zaza)"),
    ("medications", "oxy\u200bcodone 5 mg"),
    ("medications", "\u043exycodone 5 mg"),  # Cyrillic о
    ("medications", "ｏｘｙｃｏｄｏｎｅ"),
    ("medications", {"name": "pain pill", "rxnorm": "1049621"}),
    ("medications", {"name": "pain pill", "rxnorm": "56795"}),
    ("conditions", "OUD on methadone"),
    ("conditions", "stopped oxycodone 2019"),
    ("allergies", "nal\u200btrexone"),
    ("conditions", "acute hep\u00adatitis"),
]
NOT_HELD = [
    "apomorphine 2 mg",
    "oxybutynin 5 mg",
    "oxymetazoline nasal",
    "oxcarbazepine 300 mg",
    "hydroxyzine 25 mg",
    "hydroxychloroquine 200 mg",
    "methylnaltrexone 12 mg",
    "naloxone 4 mg nasal",
    "Tylenol 500 mg",
]


def order_for(prescription, list_name, line) -> dict:
    """The order of a new patient whose one line, in `list_name`, is `line`."""
    return new_patient(prescription, prefix="Screen", **{"medications": [], list_name: [line]})


@pytest.mark.parametrize(("list_name", "line"), HELD, ids=[str(line) for _, line in HELD])
def test_the_line_holds_the_order_and_the_alert_names_it(
    app, client, clinic, prescription, today, list_name, line
):
    order = worked_on(app, client, clinic, order_for(prescription, list_name, line), today)
    assert order["status"] == "on_hold"
    hard = [a for a in order["alerts"] if a["severity"] == "hard_stop"]
    assert hard, order["alerts"]
    written = line["name"] if isinstance(line, dict) else line
    assert any(written in a["detail"] or "RxNorm" in a["detail"] for a in hard), hard


@pytest.mark.parametrize("line", NOT_HELD)
def test_a_look_alike_does_not_hold_the_order(app, client, clinic, prescription, today, line):
    order = worked_on(app, client, clinic, order_for(prescription, "medications", line), today)
    assert order["status"] == "ready", order["alerts"]


def worked_on(app, client, clinic, body, today) -> dict:
    created = submit(client, clinic, body)
    assert created.status_code == 201, created.get_json()
    with app.app_context():
        work.work_prescription(database.session, int(created.get_json()["rx_number"]), today=today)
    return client.get(created.headers["Location"], headers=clinic.headers).get_json()
