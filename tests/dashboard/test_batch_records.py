"""The batch record: the MFR's steps ticked on the compounding form, shown beside the
worksheet for the verifying pharmacist, and printed as a PDF with every element of a
USP <795> compounding record; the shelf refusing a batch it cannot cover."""

from __future__ import annotations

from sqlalchemy import select

from pharmacy.extensions import database
from pharmacy.models import AuditEvent, CompoundingRecord
from tests.support.pdf import page_texts

TICKED = ["prepare", "weigh", "geometric_dilution", "mix", "encapsulate", "qc_weight"]
NOT_TICKED = ("QC: appearance", "QC: yield")


def _record_with_ticks(pharmacy, technician, rx):
    fill_weight = str(pharmacy.plan(rx).fill_weight_mg)  # a sample right on the formula's
    form = pharmacy.compounding_form(
        rx, step=TICKED, step_at_mix="00:01", capsule_weight=[fill_weight] * 5
    )
    response = technician.post(f"/orders/{rx}/compounding", form)
    assert response.status_code == 303, response.get_data(as_text=True)


def test_steps_ticked_at_the_bench_are_on_the_printed_record_with_initials_and_times(
    app, pharmacy, accounts, desk
):
    technician = desk(accounts["technician"])
    rx = pharmacy.ready()
    form_page = technician.get(f"/orders/{rx}").get_data(as_text=True)
    assert 'name="step" value="geometric_dilution"' in form_page
    _record_with_ticks(pharmacy, technician, rx)

    # The verifying pharmacist sees the record, steps and all, beside the worksheet.
    page = desk(accounts["pharmacist2"]).get(f"/orders/{rx}").get_data(as_text=True)
    aside = page[page.index("<aside>") :]
    assert 'id="record-steps"' in aside and 'data-step="geometric_dilution"' in aside
    assert "not ticked" in aside  # appearance and yield were left unticked
    assert 'id="print-batch-record"' in page

    response = technician.post(f"/orders/{rx}/batch-record")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = " ".join(page_texts(response.data))
    assert f"Compounding record: Rx {rx}" in text
    with app.app_context():
        record = database.session.scalar(
            select(CompoundingRecord).where(CompoundingRecord.prescription_id == rx)
        )
        ticks = {step["id"]: step for step in record.steps}
        lots = [c["lot_number"] for c in record.components]
    assert all(ticks[step]["done"] and ticks[step]["initials"] == "TE" for step in TICKED)
    assert not ticks["qc_appearance"]["done"]
    for title in ("Prepare", "Weigh", "Geometric dilution", "Mix", "Encapsulate"):
        assert f"[x] {title}:" in text
    for title in NOT_TICKED:
        assert f"[ ] NOT TICKED {title}:" in text
    assert " TE " in text and "00:01" in text  # the time written beside "Mix"
    for lot in lots:
        assert lot in text
    for element in (
        "Naltrexone HCl capsules (LDN), version",  # MFR and version
        "Compounded by Test Technician (TE)",
        "not yet verified",
        "Beyond-use date",
        "Calculations",
        "Naltrexone HCl needed",
        "PASSED: capsule weight check passed",
        "yield 100.0 % (within 95-105 %)",
        "Deviations none",
        "Analytical balance BAL-01",
    ):
        assert element in text, element
    with app.app_context():
        printed = database.session.scalars(
            select(AuditEvent.action).where(AuditEvent.prescription_id == rx)
        ).all()
    assert "batch_record.printed" in printed


def test_the_print_button_is_offered_once_compounded_and_the_print_names_the_verifier(
    pharmacy, accounts, desk
):
    technician = desk(accounts["technician"])
    rx = pharmacy.ready()
    assert 'id="print-batch-record"' not in technician.get(f"/orders/{rx}").get_data(True)
    assert technician.post(f"/orders/{rx}/batch-record").status_code == 409
    _record_with_ticks(pharmacy, technician, rx)
    assert 'id="print-batch-record"' in technician.get(f"/orders/{rx}").get_data(True)
    pharmacist = desk(accounts["pharmacist2"])
    assert pharmacist.post(f"/orders/{rx}/verify").status_code == 303
    page = pharmacist.get(f"/orders/{rx}").get_data(as_text=True)
    assert 'id="print-batch-record"' in page and 'id="record-steps"' in page
    text = " ".join(page_texts(pharmacist.post(f"/orders/{rx}/batch-record").data))
    assert "Verified by Test Pharmacist (PH)" in text
    assert desk(accounts["admin"]).post(f"/orders/{rx}/batch-record").status_code == 403


def test_recording_takes_what_was_used_off_each_lot(pharmacy, accounts, desk):
    rx = pharmacy.ready()
    before = pharmacy.lots()
    used = pharmacy.used(rx)
    _record_with_ticks(pharmacy, desk(accounts["technician"]), rx)
    after = pharmacy.lots()
    for code, amount in used.items():
        key = (code, pharmacy.shelf[code])
        assert after[key] == before[key] - amount


def test_a_batch_the_shelf_cannot_cover_is_refused_naming_the_lot(pharmacy, accounts, desk):
    rx = pharmacy.ready()
    shells = pharmacy.add_lot("capsule_3_clear", "10")
    form = pharmacy.compounding_form(rx)
    form["lot_number"] = [
        shells if code == "capsule_3_clear" else lot
        for code, lot in zip(form["ingredient_code"], form["lot_number"], strict=True)
    ]
    before = pharmacy.lots()
    response = desk(accounts["technician"]).post(f"/orders/{rx}/compounding", form)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert f"32 each is more than lot {shells} has on hand" in page
    assert pharmacy.lots() == before and pharmacy.status(rx) == "ready"  # nothing taken
