"""The batch record and the recall report never cut text off: a long note or name wraps
to the page and runs on to the next page, read back whole from the PDF."""

from __future__ import annotations

from pharmacy.domain.batch_record import BatchRecordFacts, StepDone, Weighing
from pharmacy.labels.batch_record import render_batch_record
from pharmacy.labels.recall import RecallFacts, render_recall
from tests.support.pdf import page_texts, squash

NOTE = " ".join(f"Sample {n} reweighed on balance BAL-01 after tamping again." for n in range(90))
NAME = "Wolfeschlegelsteinhausenbergerdorff-Łukasiewicz, Zoë-Анна 李小龙"


def _record(**changes) -> BatchRecordFacts:
    facts = dict(
        pharmacy="Demo Compounding Pharmacy, 100 High St, Columbus, OH 43215",
        rx_number="1000001",
        fill="original fill",
        patient=f"{NAME}, born 1980-01-02",
        prescriber="Joe Example, NPI 1234567893",
        preparation="Naltrexone HCl 1.5 mg capsule",
        formula="Naltrexone HCl capsules (LDN)",
        formula_version=3,
        equipment=("Analytical balance BAL-01",),
        compounded_on="2026-03-02",
        compounded_at="2026-03-02 10:15",
        compounded_by="Test Technician (TE)",
        verified_by="",
        verified_at="",
        quantity_to_dispense="30 capsule",
        batch_quantity="32 capsule",
        quantity_made="32 capsule",
        beyond_use_date="2026-08-29",
        weighings=(Weighing("Naltrexone HCl", "NTX-1", "Medisca", "2027-01-01", "", "48 mg"),),
        calculations=("Batch: 30 capsules + 5 % = 32 capsules",),
        steps=(StepDone("Mix", "Mix for 5 minutes.", True, "TE", "2026-03-02 10:01"),),
        qc_passed=True,
        qc_summary="capsule weight check passed",
        qc_measured="120 mg",
        yield_summary="yield 100.0 % (within 95-105 %)",
        deviations=NOTE,
        printed_at="2026-03-02 11:00",
    )
    return BatchRecordFacts(**{**facts, **changes})


def test_a_long_deviation_note_runs_on_to_the_next_page_whole():
    texts = page_texts(render_batch_record(_record()))
    assert len(texts) >= 2
    assert squash(NOTE) in squash(" ".join(texts))
    assert squash(NAME) in squash(texts[0])


def test_a_recall_of_many_fills_lists_every_one_across_pages():
    rows = [
        (str(1000000 + n), "0 (dispensed)", NAME, "Joe Example", "", "", "1 mg") for n in range(80)
    ]
    facts = RecallFacts(
        "Pharmacy",
        "Naltrexone, lot NTX-1",
        (("Vendor", "Medisca"),),
        ("Rx", "Fill", "Patient", "Prescriber", "Compounded", "Dispensed", "Used"),
        rows,
        "2026-03-02 11:00",
    )
    texts = page_texts(render_recall(facts))
    assert len(texts) > 1
    whole = squash(" ".join(texts))
    assert all(str(1000000 + n) in whole for n in range(80))
    assert whole.count(squash(NAME)) == 80
