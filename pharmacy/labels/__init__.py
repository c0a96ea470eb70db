"""Prescription labels and receipts as PDF, drawn with ReportLab from `label_templates/`.

Labels take domain data (`pharmacy.domain.labeling.LabelFacts`), never ORM rows: the
caller gathers the facts, this package only lays them out. A label that cannot be
printed complete is refused with `LabelDoesNotFit`.
"""

from pharmacy.labels.errors import LabelDoesNotFit, UnprintableText
from pharmacy.labels.label import render_labels
from pharmacy.labels.receipt import render_receipt

__all__ = ["LabelDoesNotFit", "UnprintableText", "render_labels", "render_receipt"]
