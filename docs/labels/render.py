"""Render every stock from the demo data, to PNG, for the README.

Run from the checkout: `.venv/bin/python docs/labels/render.py` (needs `pdftoppm`, from
poppler-utils). It makes a throwaway embedded database, loads the demo pharmacy
(`pharmacy load-demo`), works each demo order with the same service the workers call,
and prints their labels and a receipt as the `pharmacy print` command does.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from pharmacy import create_app  # noqa: E402
from pharmacy.cli.demo import load_demo  # noqa: E402
from pharmacy.extensions import database  # noqa: E402
from pharmacy.labels import render_labels, render_receipt  # noqa: E402
from pharmacy.migrations import upgrade  # noqa: E402
from pharmacy.models import Prescription, User  # noqa: E402
from pharmacy.services import worker as work  # noqa: E402
from pharmacy.services.counter import printing  # noqa: E402
from pharmacy.services.reference.defaults import load_defaults  # noqa: E402

FILLED = date(2026, 11, 21)  # a fixed day, so the pictures only change with the code


def png(pdf: bytes, folder: Path, name: str) -> Path:
    """Write the first page of `pdf` as `name`.png (150 dpi) in `folder`."""
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(  # noqa: S603
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(folder / name)],  # noqa: S607
        check=True,
    )
    path.unlink()
    return folder / f"{name}.png"


def demo_documents():
    """(label facts of the printable demo orders, receipt facts of the first one)."""
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/demo.sqlite"
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "BROKER_URL": f"sqla+sqlite:///{scratch}/b"})
        try:
            with app.app_context():
                session = database.session
                load_defaults(session)
                load_demo(session, FILLED)
                for (rx_number,) in session.query(Prescription.id).order_by(Prescription.id):
                    work.work_prescription(session, rx_number, today=FILLED)
                pharmacist = session.query(User).filter_by(username="pharmacist").one()
                orders = [
                    printing.printable(session, str(rx_number))
                    for (rx_number,) in session.query(Prescription.id)
                    .filter(Prescription.status == "ready")
                    .order_by(Prescription.id)
                ]
                labels = [printing.label_facts(o, app.config, FILLED, pharmacist) for o in orders]
                receipt = printing.receipt_facts(orders[0], app.config, FILLED)
        finally:
            database.bound(app).engine.dispose()
    return labels, receipt


def main(folder: Path = HERE) -> list[Path]:
    labels, receipt = demo_documents()
    by_form = {facts.dosage_form.value: facts for facts in labels}
    titration = next(facts for facts in labels if len(facts.steps) > 1)
    return [
        png(render_labels(labels[0]), folder, "thermal-4x2-ada"),
        png(render_labels(titration), folder, "thermal-4x2-jose-titration"),
        png(render_labels(by_form["oral_liquid"]), folder, "thermal-4x2-liquid"),
        png(render_labels(labels * 2, "letter-sheet-2x4", guides=True), folder, "letter-sheet-2x4"),
        png(render_receipt(receipt, "receipt-letter"), folder, "receipt-letter"),
        png(render_receipt(receipt, "receipt-80mm"), folder, "receipt-80mm"),
    ]


if __name__ == "__main__":
    for made in main():
        print(made.relative_to(HERE.parents[1]))
