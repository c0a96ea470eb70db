"""The batch record (compounding record) of a fill as a PDF: every element of domain §8,
the MFR's steps with who ticked each and when, the weighings, the lots, QC, deviations,
and a line for the verifying pharmacist."""

from __future__ import annotations

from reportlab.platypus import KeepTogether

from pharmacy.domain.batch_record import BatchRecordFacts
from pharmacy.labels.documents import TITLE, document, facts, gap, grid, heading, para


def render_batch_record(record: BatchRecordFacts) -> bytes:
    story = [
        para(f"Compounding record: Rx {record.rx_number}, {record.fill}", TITLE, bold=True),
        para(record.pharmacy),
        gap(),
        facts(
            [
                ("Preparation", record.preparation),
                ("Patient", record.patient),
                ("Prescriber", record.prescriber),
                ("MFR", f"{record.formula}, version {record.formula_version}"),
                ("Compounded", f"{record.compounded_on} (recorded {record.compounded_at})"),
                ("Compounded by", record.compounded_by),
                (
                    "Verified by",
                    f"{record.verified_by}, {record.verified_at}"
                    if record.verified_by
                    else "not yet verified: ______________________  date/time __________",
                ),
                ("To dispense", record.quantity_to_dispense),
                ("Batch (worksheet)", record.batch_quantity),
                ("Quantity made", record.quantity_made),
                ("Beyond-use date", record.beyond_use_date),
            ]
        ),
        heading("Components: lots and actual weights"),
        grid(
            ["Ingredient", "Lot", "Vendor", "Expires", "Worksheet", "Actual"],
            [
                (w.ingredient, w.lot_number, w.vendor, w.expires_on, w.planned, w.actual)
                for w in record.weighings
            ],
            [3.2, 1.6, 1.4, 1.1, 1.1, 1.1],
        ),
        heading("Calculations"),
        *[para(line) for line in record.calculations or ("none recorded",)],
    ]
    if record.equipment:
        story += [heading("Equipment"), *[para(line) for line in record.equipment]]
    story.append(heading("Procedure (MFR steps)"))
    if record.steps:
        story.append(
            grid(
                ["Done", "Step", "Initials", "Time"],
                [
                    (
                        "[x]" if step.done else "[ ] NOT TICKED",
                        f"{step.title}: {step.text}",
                        step.initials,
                        step.at,
                    )
                    for step in record.steps
                ],
                [1.0, 5.6, 0.8, 1.4],
            )
        )
    else:
        story.append(para("The MFR version had no procedure steps to tick."))
    # A heading is never left alone at the foot of a page.
    story += [
        KeepTogether(
            [
                heading("Quality control"),
                facts(
                    [
                        (
                            "Result",
                            ("PASSED: " if record.qc_passed else "FAILED: ") + record.qc_summary,
                        ),
                        ("Measured", record.qc_measured or "-"),
                        ("Yield", record.yield_summary or "-"),
                    ]
                ),
            ]
        ),
        KeepTogether([heading("Deviations"), para(record.deviations)]),
    ]
    return document(
        f"Compounding record: Rx {record.rx_number}",
        f"Rx {record.rx_number}, {record.fill} - printed {record.printed_at}",
        story,
    )
