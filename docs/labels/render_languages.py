"""Render the patient's-language papers from the demo data, to PNG (100 dpi), for the
README: a Spanish label, a large-print label, a label with an Arabic name, and the
Spanish information sheet and wallet card.

Run from the checkout: `.venv/bin/python docs/labels/render_languages.py` (needs
`pdftoppm`). The demo orders are worked as in `render.py`, beside this file.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from render import demo_documents  # noqa: E402

from pharmacy.labels import render_labels  # noqa: E402
from pharmacy.labels.patient_papers import CARD, SHEET, render_patient_papers  # noqa: E402

DPI = 100
# The wallet card's box on its letter page (label_templates/wallet-card.toml), in pixels.
CARD_CROP = ["-x", "70", "-y", "70", "-W", "350", "-H", "225"]


def png(pdf: bytes, folder: Path, name: str, *crop: str) -> Path:
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    command = ["pdftoppm", "-r", str(DPI), "-png", "-singlefile", *crop, str(path)]
    subprocess.run([*command, str(folder / name)], check=True)  # noqa: S603
    path.unlink()
    return folder / f"{name}.png"


def main(folder: Path = HERE) -> list[Path]:
    labels, _ = demo_documents()
    titration = next(facts for facts in labels if len(facts.steps) > 1)
    spanish = replace(labels[0], language="es")
    return [
        png(render_labels(spanish, "thermal-4x3"), folder, "thermal-4x3-spanish"),
        png(
            render_labels(titration, "thermal-4x6", "label-large-print"),
            folder,
            "thermal-4x6-large-print",
        ),
        png(
            render_labels(replace(labels[0], patient_name="ليلى حداد")),
            folder,
            "thermal-4x2-arabic-name",
        ),
        png(
            render_patient_papers(replace(titration, language="es"), [SHEET]),
            folder,
            "information-sheet-spanish",
        ),
        png(
            render_patient_papers(replace(titration, language="es"), [CARD]),
            folder,
            "wallet-card-spanish",
            *CARD_CROP,
        ),
    ]


if __name__ == "__main__":
    for made in main():
        print(made.relative_to(HERE.parents[1]))
