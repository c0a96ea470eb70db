"""Pieces the benchmarks share: a throw-away database, the example order, results.

Written with bench/pipeline; bench/intake keeps its own copies of the same ideas.
Import it from a bench script after putting bench/ on sys.path (the scripts run as
`.venv/bin/python bench/<name>/run.py`, so only their own folder is on it).
"""

from __future__ import annotations

import copy
import json
import math
import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pharmacy import config
from pharmacy.api.examples import EXAMPLE_PRESCRIPTION
from pharmacy.clock import pharmacy_today

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"  # git-ignored
SERVER_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

# The api.md example, shared with the OpenAPI document and the tests.
PRESCRIPTION = EXAMPLE_PRESCRIPTION


def prescription_body() -> dict:
    """The example with `written_on` yesterday by the pharmacy's calendar, as the app
    checks it (not in the future, not over a year old) with the same environment."""
    body = copy.deepcopy(PRESCRIPTION)
    body["written_on"] = (pharmacy_today(config.from_environment()) - timedelta(days=1)).isoformat()
    return body


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """An empty PostgreSQL database named `<prefix>_<random>`, dropped on the way out
    (WITH (FORCE): connections a killed worker left behind do not block the drop)."""
    server = make_url(SERVER_URL)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0.5 for p50, 0.99 for p99) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def git_state() -> dict:
    """What was measured: the commit, and whether the working tree differed from it."""

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True).stdout.decode()

    return {
        "commit": git("rev-parse", "HEAD").strip() or None,
        "dirty": bool(git("status", "--porcelain")),
    }


def write_results(name: str, document: dict) -> Path:
    """bench/results/<name>.json, with when and what was measured in front."""
    path = RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    stamped = {
        "benchmark": name,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        **git_state(),
        **document,
    }
    path.write_text(json.dumps(stamped, indent=2) + "\n")
    return path
