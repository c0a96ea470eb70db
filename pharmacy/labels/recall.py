"""A lot's recall report as a PDF: the lot, then every fill made with it, with the
patient, the prescriber and the day it was handed over (or that it was not)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pharmacy.labels.documents import TITLE, document, gap, grid, heading, para
from pharmacy.labels.documents import facts as fact_table


@dataclass(frozen=True)
class RecallFacts:
    """The report as printed (plain text, gathered by the caller)."""

    pharmacy: str
    lot: str  # "Naltrexone hydrochloride USP, lot NTX-1 (vendor), expires ..."
    lot_details: Sequence[tuple[str, str]]
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    printed_at: str


WIDTHS = (0.8, 1.1, 2.2, 2.2, 1.0, 1.0, 0.8)  # the Fill column holds "12 (compounded)"


def render_recall(facts: RecallFacts) -> bytes:
    story = [
        para(f"Lot recall: {facts.lot}", TITLE, bold=True),
        para(facts.pharmacy),
        gap(),
        fact_table(list(facts.lot_details)),
        heading(f"Fills made with this lot: {len(facts.rows)}"),
    ]
    if facts.rows:
        story.append(grid(facts.header, facts.rows, WIDTHS[: len(facts.header)]))
    else:
        story.append(para("No fill has been compounded with this lot."))
    return document(f"Lot recall: {facts.lot}", f"Lot recall - printed {facts.printed_at}", story)
