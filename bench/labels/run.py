"""bench/labels: 1,000 prescription labels through the templates, against a bare canvas.

    .venv/bin/python bench/labels/run.py [--labels 1000] [--repeats 3] [--profile]

Two renders of the same labels (fixed-dose capsules, a 3-step titration and a liquid in
turn, each with an Rx number of its own) into one PDF of one 4 x 2 in page per label:

  bare   bare.py: every line of `label_fields(facts)` drawn at a fixed position in the
         font and size the layout starts it at, and the same Code 128 symbol.
  label  `render_labels(facts, "thermal-4x2")`: the `label` layout, fitted and drawn.
  spanish  the same labels for patients who read Spanish (`language="es"`): directions,
         warning and auxiliary lines from the catalog, then the English copy, on the
         4 x 6 in stock (a Spanish 3-step titration with its English copy needs more
         than 4 x 3 in). Reported beside the English rate; the target is the English one's.

Each side runs in a fresh interpreter of its own (run.py --side), so that its max RSS
is its own: one label is rendered (imports, fonts, templates loaded), then the whole
batch once (the warm-up; the max RSS is read before and after it), then --repeats timed
renders, the best of which counts, each byte for byte the same PDF as the warm-up's;
then one more under tracemalloc for the peak of Python allocations. ReportLab runs
invariant (`rl_config.invariant = 1`), as in the tests.

Prints labels/s, the tracemalloc peak, max RSS and PDF size of both, and the ratio
label/bare against the target; writes bench/results/labels.json. --profile also writes
a cProfile of one templated render to bench/results/labels.prof and prints its top
entries. Exit status: 0 PASS, 2 BELOW the target, 1 if the run itself failed.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import platform
import pstats
import re
import resource
import subprocess
import sys
import time
import tracemalloc
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/, for common.py (HERE is already on it)

import bare  # noqa: E402
import reportlab  # noqa: E402
from common import RESULTS, write_results  # noqa: E402
from reportlab import rl_config  # noqa: E402
from reportlab.lib.rl_accel import _c_funcs  # noqa: E402

from label_templates import load_layout, load_stock  # noqa: E402
from pharmacy.domain.labeling import (  # noqa: E402
    ENGLISH_COPY_FIELDS,
    LabelFacts,
    PharmacyDetails,
)
from pharmacy.domain.prescription import DirectionStep, DosageForm  # noqa: E402
from pharmacy.labels import render_labels  # noqa: E402

rl_config.invariant = 1  # byte-stable PDFs, as the tests render them

TARGET = 0.5  # the templated render must keep at least this share of the floor's labels/s
STOCK, LAYOUT = "thermal-4x2", "label"
SPANISH_STOCK = "thermal-4x6"  # a titration in two languages does not fit 4 x 3 in
PAGE = re.compile(rb"/Type /Page\b")  # a page object, not the /Pages tree

# tests/labels' capsules(), titration() and liquid() (copied: a bench must not import the
# test suite).
PHARMACY = PharmacyDetails(
    "Demo Compounding Pharmacy", "100 High St, Columbus, OH 43215", "614-555-0123"
)


def steps(*pairs: tuple[str, int]) -> tuple[DirectionStep, ...]:
    return tuple(DirectionStep(Decimal(dose), days) for dose, days in pairs)


CAPSULES = LabelFacts(
    rx_number="1000123",
    patient_name="Ada Lovelace",
    dosage_form=DosageForm.CAPSULE,
    strength_mg=Decimal("1.5"),
    steps=steps(("1.5", 30)),
    quantity=Decimal(30),
    refills_left=2,
    filled_on=date(2026, 11, 21),
    use_by=date(2027, 5, 19),
    storage="Store at room temperature, 20-25 °C, in a dry place.",
    prescriber_name="Dr. Grace Hopper",
    pharmacist_initials="MC",
    pharmacy=PHARMACY,
)
TITRATION = replace(
    CAPSULES,
    patient_name="José Núñez",
    steps=steps(("1.5", 14), ("3", 14), ("4.5", 14)),
    quantity=Decimal(84),
    refills_left=0,
    prescriber_name="Dr. Santiago Ramón y Cajal",
)
LIQUID = replace(
    CAPSULES,
    patient_name="Bruce Lee",
    dosage_form=DosageForm.ORAL_LIQUID,
    strength_mg=Decimal(1),
    steps=steps(("4.5", 30)),
    quantity=Decimal(135),
    use_by=date(2026, 12, 25),
    storage="Store at room temperature or in the refrigerator. Shake well.",
    auxiliary=("Shake well before each dose.",),
)
MIX = (CAPSULES, TITRATION, LIQUID)

RENDERERS = {
    "bare": bare.render,
    "label": lambda batch: render_labels(batch, STOCK),  # the `label` layout, the default
    "spanish": lambda batch: render_labels(batch, SPANISH_STOCK),
}


class BenchFailed(Exception):
    """The measurement cannot be trusted; the message says why."""


def main() -> int:
    options = parse_args()
    if options.side:
        print(json.dumps(measure(options.side, options.labels, options.repeats, options.profile)))
        return 0
    check_floor()
    sides = {side: run_side(side, options) for side in RENDERERS}
    return report(options, sides)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=1000, help="labels in the PDF")
    parser.add_argument("--repeats", type=int, default=3, help="timed renders; the best counts")
    parser.add_argument("--profile", action="store_true", help="cProfile one templated render")
    parser.add_argument("--side", choices=RENDERERS, help=argparse.SUPPRESS)  # the child
    return parser.parse_args()


def labels(count: int, language: str = "en") -> list[LabelFacts]:
    return [
        replace(MIX[n % len(MIX)], rx_number=str(3_000_000 + n), language=language)
        for n in range(count)
    ]


def check_floor() -> None:
    """The floor draws in the fonts, sizes, bars and page the templates start with."""
    stock, layout = load_stock(STOCK), load_layout(LAYOUT)
    fonts = {"regular": layout.fonts.regular, "bold": layout.fonts.bold}
    code = layout.barcode
    assert code is not None
    styles = {  # the English copy prints only on a label in another language
        name: (fonts[block.font], block.size)
        for block in layout.blocks
        for name in block.fields
        if name not in ENGLISH_COPY_FIELDS
    }
    pairs = {
        "fields": (styles, bare.STYLES),
        "caption": ((fonts[code.caption_font], code.caption_size), bare.CAPTION),
        "bars": (
            (code.bar_width, code.bar_height, code.quiet_zone),
            (bare.BAR_WIDTH, bare.BAR_HEIGHT, bare.QUIET_ZONE),
        ),
        "page": ((stock.page_width, stock.page_height, stock.margin), (*bare.PAGE, bare.MARGIN)),
        "line height": (layout.line_height, bare.LEADING),
    }
    drifted = [what for what, (template, floor) in pairs.items() if template != floor]
    if drifted:
        raise BenchFailed(
            f"bench/labels/bare.py no longer draws as label_templates do: {', '.join(drifted)}"
        )


def max_rss() -> int:
    """This process's peak resident memory so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(side: str, count: int, repeats: int, profile: bool) -> dict:
    """In a fresh interpreter: one side's memory, best time and PDF (see the docstring)."""
    render = RENDERERS[side]
    batch = labels(count, "es" if side == "spanish" else "en")
    render(batch[:1])
    gc.collect()
    rss_before = max_rss()
    pdf = render(batch)
    rss_after = max_rss()
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        again = render(batch)
        times.append(time.perf_counter() - start)
        if again != pdf:
            raise BenchFailed(f"{side}: two renders of the same labels differ")
    gc.collect()
    tracemalloc.start()
    render(batch)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if profile and side == "label":
        write_profile(render, batch)
    return {
        "labels": count,
        "times_s": [round(t, 4) for t in times],
        "best_s": min(times),
        "labels_per_s": count / min(times),
        "pages": len(PAGE.findall(pdf)),
        "pdf_bytes": len(pdf),
        "tracemalloc_peak_bytes": traced_peak,
        "max_rss_bytes": rss_after,
        "max_rss_growth_bytes": rss_after - rss_before,
    }


def write_profile(render, batch: list[LabelFacts]) -> None:
    """One render under cProfile: bench/results/labels.prof, and its top entries."""
    profiler = cProfile.Profile()
    profiler.runcall(render, batch)
    path = RESULTS / "labels.prof"
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(path)
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("cumulative").print_stats("pharmacy/labels/", 20)
    stats.strip_dirs().sort_stats("tottime").print_stats(15)
    print(f"profile in {path.relative_to(HERE.parents[1])}", file=sys.stderr)


def run_side(side: str, options: argparse.Namespace) -> dict:
    print(f"rendering {options.labels} labels: {side} ...", file=sys.stderr, flush=True)
    command = [sys.executable, __file__, f"--side={side}", f"--labels={options.labels}"]
    command += [f"--repeats={options.repeats}", *(["--profile"] if options.profile else [])]
    child = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    if child.returncode != 0:
        raise BenchFailed(f"the {side} render exited with status {child.returncode}")
    result = json.loads(child.stdout.splitlines()[-1])
    if result["pages"] != options.labels:
        raise BenchFailed(f"{side}: {result['pages']} pages for {options.labels} labels")
    return result


def report(options: argparse.Namespace, sides: dict[str, dict]) -> int:
    bare_side, label, spanish = sides["bare"], sides["label"], sides["spanish"]
    ratio = label["labels_per_s"] / bare_side["labels_per_s"]
    spanish_ratio = spanish["labels_per_s"] / bare_side["labels_per_s"]
    verdict = "PASS" if ratio >= TARGET else "BELOW"
    mib = 1 / 2**20
    print(f"\n{'':8}{'labels/s':>10}{'best s':>9}{'traced MiB':>12}{'RSS MiB':>9}", end="")
    print(f"{'(+render)':>10}{'PDF KiB':>9}")
    for name, side in sides.items():
        print(
            f"{name:8}{side['labels_per_s']:10.1f}{side['best_s']:9.3f}"
            f"{side['tracemalloc_peak_bytes'] * mib:12.1f}{side['max_rss_bytes'] * mib:9.1f}"
            f"{side['max_rss_growth_bytes'] * mib:+10.1f}{side['pdf_bytes'] / 1024:9.0f}"
        )
    print(f"\nlabel/bare labels/s: {ratio:.3f}  (target >= {TARGET})  {verdict}")
    print(f"spanish/bare labels/s: {spanish_ratio:.3f}  (on {SPANISH_STOCK}; no target)")
    settings = {
        "labels": options.labels,
        "repeats": options.repeats,
        "stock": STOCK,
        "layout": LAYOUT,
        "mix": ["capsules", "titration (3 steps)", "liquid"],
        "rl_config_invariant": rl_config.invariant,
        "reportlab": reportlab.Version,
        "reportlab_c_accelerator": bool(_c_funcs),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    document = {
        "settings": settings,
        "bare": bare_side,
        "label": label,
        "spanish": spanish,
        "spanish_stock": SPANISH_STOCK,
        "spanish_ratio": round(spanish_ratio, 4),
        "ratio": round(ratio, 4),
        "target": TARGET,
        "verdict": verdict,
    }
    path = write_results("labels", document)
    print(f"results in {path.relative_to(HERE.parents[1])}")
    return 0 if verdict == "PASS" else 2


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchFailed as failure:
        sys.exit(f"bench/labels FAILED: {failure}")
