"""bench/dashboard: the queue page with 1,000 and with 100,000 orders, in the same run.

    .venv/bin/python bench/dashboard/run.py [--requests 300] [--rounds 3] [--mix history]

Makes two fresh PostgreSQL databases, migrates both, and fills one with 1,000
prescriptions and the other with 100,000 (COPY: patients, prescriptions of 1 to 12
fills each, the fills, the alerts of held orders and of every fill of some, with the
same mix of states in both), then VACUUM ANALYZE. Serves each under
gunicorn (one sync worker each, as alike as can be), signs in as a pharmacist, warms
both up, then requests the queue page (GET /, the open orders, first page) one request
at a time, alternating the two sizes round by round so a busy spell on the machine
weighs on both. Prints the median (and p90, p99) of each and the ratio
median(100,000) / median(1,000) against the target; writes bench/results/dashboard.json.
Exit status: 0 PASS, 2 ABOVE the target, 1 if the run itself failed.

Every request is the whole page as a pharmacist gets it: the login check, the counts
per status, the page of orders with their patients and alerts, the audit event that
records the listing (committed), and the HTML.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import io
import json
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/, for common.py

from common import ROOT, fresh_database, percentile, write_results  # noqa: E402

from pharmacy.database import make_engine  # noqa: E402
from pharmacy.domain.search import name_key  # noqa: E402
from pharmacy.migrations import upgrade  # noqa: E402
from pharmacy.services import SYSTEM  # noqa: E402
from pharmacy.services.admin import api_keys  # noqa: E402
from pharmacy.services.admin.users import create_user  # noqa: E402
from pharmacy.services.reference.defaults import load_defaults  # noqa: E402

SIZES = (1_000, 100_000)
TARGET = 1.5  # median(100,000) / median(1,000) must stay at or under this
WARMUP_REQUESTS = 40
PASSWORD = "bench-pharmacist-password"
PATH = "/"

# The states of a pharmacy's orders after some years: most are long dispensed, a working
# day's worth are open. "open" is a harsher mix: every order still open.
MIXES = {
    "history": {
        "dispensed": 0.88,
        "cancelled": 0.03,
        "rejected": 0.01,
        "ready": 0.03,
        "on_hold": 0.01,
        "compounded": 0.015,
        "verified": 0.015,
        "received": 0.01,
    },
    "open": {
        "ready": 0.40,
        "on_hold": 0.15,
        "compounded": 0.15,
        "verified": 0.15,
        "received": 0.15,
    },
}
FIRST = ["Ada", "José", "Siobhán", "Wei", "Fatima", "Olivia", "Noah", "Emma", "Liam", "Sofia",
         "Maria", "Ivan", "Aiko", "Omar", "Lena"]  # fmt: skip
LAST = ["Lovelace", "Núñez", "O'Brien", "Chen", "Khan", "Smith", "Johnson", "Brown", "Wilson",
        "Rossi", "García", "Petrov", "Tanaka", "Haddad", "Müller", "Novak", "Okafor", "Silva",
        "Jensen", "Kowalski"]  # fmt: skip


class BenchFailed(Exception):
    """The measurement cannot be trusted; the message says why."""


def main() -> int:
    options = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    with ExitStack() as stack:
        urls = {size: stack.enter_context(fresh_database("ldn_bench_dashboard")) for size in SIZES}
        states = {}
        for size, url in urls.items():
            started = time.perf_counter()
            states[size] = prepare(url, size, MIXES[options.mix])
            print(f"{size:>7,} orders loaded in {time.perf_counter() - started:.1f} s")
        servers = {size: stack.enter_context(serve(url)) for size, url in urls.items()}
        clients = {size: signed_in(base) for size, base in servers.items()}
        for size in SIZES:
            check_page(clients[size], servers[size], size)
            for _ in range(WARMUP_REQUESTS):
                timed_get(clients[size], servers[size])
        times: dict[int, list[float]] = {size: [] for size in SIZES}
        round_ratios = []
        for _ in range(options.rounds):
            medians = {}
            for size in SIZES:
                batch = [timed_get(clients[size], servers[size]) for _ in range(options.requests)]
                times[size] += batch
                medians[size] = statistics.median(batch)
            round_ratios.append(medians[SIZES[1]] / medians[SIZES[0]])
    return report(options, times, round_ratios, states)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="per size per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--mix", choices=sorted(MIXES), default="history")
    return parser.parse_args()


# --- data ----------------------------------------------------------------------------------


def prepare(url: str, orders: int, mix: dict[str, float]) -> dict[str, int]:
    """Schema, reference data, a clinic, a pharmacist, then `orders` orders by COPY."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            load_defaults(session)
            clinic = api_keys.clinic_named(session, "Bench Clinic", create=True)
            session.commit()
            clinic_id = clinic.id
            create_user(session, "bench", "pharmacist", PASSWORD, SYSTEM, full_name="Bench RPh")
    finally:
        engine.dispose()
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as connection:
        return fill(connection, clinic_id, orders, mix)


def statuses_for(orders: int, mix: dict[str, float]) -> list[str]:
    counts = {status: int(orders * share) for status, share in mix.items()}
    first = next(iter(mix))
    counts[first] += orders - sum(counts.values())
    made = [status for status, count in counts.items() for _ in range(count)]
    random.Random(orders).shuffle(made)  # states interleaved by Rx number, as in life
    return made


def fill(connection: psycopg.Connection, clinic_id: int, orders: int, mix) -> dict[str, int]:
    now = datetime.now(UTC)
    statuses = statuses_for(orders, mix)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO prescribers (npi, first_name, last_name, phone, updated_at) "
            "VALUES ('1234567893', 'Joe', 'Example', '614-555-0100', now()) RETURNING id"
        )
        prescriber_id = cursor.fetchone()[0]
        with cursor.copy(
            "COPY patients (clinic_id, first_name, last_name, date_of_birth, phone, allergies, "
            "medications, conditions, updated_at, first_name_key, last_name_key) FROM STDIN"
        ) as copy:
            for i in range(orders):
                first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
                born = date(1940, 1, 1) + timedelta(days=i // (len(FIRST) * len(LAST)))
                copy.write_row(
                    (clinic_id, first, last, born, "614-555-0199", "[]", "[]", "[]", now,
                     name_key(first), name_key(last))
                )  # fmt: skip
        cursor.execute("SELECT min(id) FROM patients")
        first_patient = cursor.fetchone()[0]
        spread = timedelta(days=730) / orders  # two years of orders, oldest first
        with cursor.copy(
            "COPY prescriptions (uid, clinic_id, prescriber_id, patient_id, status, "
            "dosage_form, strength_mg, times_per_day, days_supply, refills, written_on, "
            "as_sent, quantity, quantity_unit, beyond_use_date, price_total, created_at, "
            "updated_at, current_fill, current_refill, refills_remaining) FROM STDIN"
        ) as copy:
            for i, status in enumerate(statuses):
                at = now - timedelta(days=730) + spread * i
                worked = status != "received"
                last = fills_of(i) - 1
                copy.write_row(
                    (uuid.uuid4(), clinic_id, prescriber_id, first_patient + i, status,
                     "capsule", "1.50", 1, 30, REFILLS, at.date(), AS_SENT,
                     "30" if worked else None, "capsule" if worked else None,
                     (at + timedelta(days=179)).date() if worked else None,
                     "27.85" if worked else None, at, at, last, last, REFILLS - last)
                )  # fmt: skip
        cursor.execute("SELECT min(id) FROM prescriptions")
        first_rx = cursor.fetchone()[0]
        # Up to 12 fills each: the earlier ones dispensed a month apart, the last one
        # in the order's own state (held in the prescription's row).
        with cursor.copy(
            "COPY fills (prescription_id, number, refill, requested_via, created_at, "
            "dispensed_on, status, quantity, quantity_unit, beyond_use_date, price_total) "
            "FROM STDIN"
        ) as copy:
            for i in range(orders):
                began = now - timedelta(days=730) + spread * i
                for number in range(fills_of(i)):
                    at = began + timedelta(days=30 * number)
                    done = number < fills_of(i) - 1
                    # The latest fill of a dispensed prescription was handed over too.
                    handed = done or statuses[i] == "dispensed"
                    copy.write_row(
                        (first_rx + i, number, number, "api" if number else "original", at,
                         at.date() if handed else None, "dispensed" if done else None,
                         "30" if done else None, "capsule" if done else None,
                         (at + timedelta(days=179)).date() if done else None,
                         "27.85" if done else None)
                    )  # fmt: skip
        cursor.execute(
            "INSERT INTO alerts (prescription_id, fill_number, code, severity, detail, "
            "created_at) SELECT id, current_fill, 'opioid_interaction', 'hard_stop', "
            "'\"Percocet 5/325\" is an opioid (oxycodone): naltrexone blocks it', created_at "
            "FROM prescriptions WHERE status = 'on_hold'"
        )
        # Every fill of some prescriptions had a caution: only the fill in progress
        # counts on the queue.
        cursor.execute(
            "INSERT INTO alerts (prescription_id, fill_number, code, severity, detail, "
            "created_at) SELECT prescription_id, number, 'antidiarrheal_opioid', 'caution', "
            "'loperamide', created_at FROM fills WHERE prescription_id % 37 = 0"
        )
    connection.commit()
    connection.autocommit = True
    connection.execute("VACUUM ANALYZE")
    rows = connection.execute("SELECT status, count(*) FROM prescriptions GROUP BY status")
    found = dict(rows.fetchall())
    if sum(found.values()) != orders:
        raise BenchFailed(f"{sum(found.values())} orders stored, not {orders}")
    return found


REFILLS = 11
MAX_FILLS = REFILLS + 1


def fills_of(index: int) -> int:
    """How many fills the index-th order has had: 1 to 12, spread evenly."""
    return index % MAX_FILLS + 1


AS_SENT = json.dumps(
    {
        "prescriber": {"npi": "1234567893", "first_name": "Joe", "last_name": "Example"},
        "patient": {"first_name": "Bench", "last_name": "Patient", "date_of_birth": "1980-01-02"},
        "medication": {"dosage_form": "capsule", "strength_mg": 1.5},
        "directions": {"times_per_day": 1, "steps": [{"dose_mg": 1.5, "days": 30}]},
        "days_supply": 30,
        "refills": REFILLS,
    }
)


# --- serving and requesting ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve(database_url: str) -> Iterator[str]:
    """gunicorn, one sync worker, the same settings for both sizes; yields its base URL."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",  # the per-request JSON log line is not what is measured
        "SECRET_KEY": "bench-only-secret",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        f"--bind=127.0.0.1:{port}",
        "--workers=1",
        "--worker-class=sync",
        "--log-level=warning",
        f"--chdir={ROOT}",
        "pharmacy:create_app()",
    ]
    server = subprocess.Popen(command, env=environment, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                raise BenchFailed(f"gunicorn exited with status {server.returncode}")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise BenchFailed(f"{base} did not start within 30 s") from None
                time.sleep(0.2)
        yield base
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def signed_in(base: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"username": "bench", "password": PASSWORD, "csrf_token": token}
    answer = opener.open(base + "/login", urllib.parse.urlencode(form).encode(), timeout=10)
    if urllib.parse.urlsplit(answer.geturl()).path != "/":
        raise BenchFailed(f"could not sign in at {base}")
    return opener


def check_page(opener, base: str, size: int) -> None:
    """One page by hand: 50 rows, held orders first, the counts shown."""
    html = opener.open(base + PATH, timeout=10).read().decode()
    rows = re.findall(r'<tr class="([^"]*)" data-rx="\d+">', html)
    if len(rows) != 50:
        raise BenchFailed(f"{size}: the queue page shows {len(rows)} rows, not 50")
    if rows[0] != "held":
        raise BenchFailed(f"{size}: the first row is not a held order")


def timed_get(opener, base: str) -> float:
    started = time.perf_counter()
    with opener.open(base + PATH, timeout=10) as answer:
        body = answer.read()
        if answer.status != 200 or b'id="queue"' not in body:
            raise BenchFailed(f"GET {PATH} answered {answer.status}")
    return (time.perf_counter() - started) * 1000


# --- report ----------------------------------------------------------------------------------


def report(options, times: dict[int, list[float]], round_ratios, states) -> int:
    small, large = SIZES
    medians = {size: statistics.median(values) for size, values in times.items()}
    ratio = medians[large] / medians[small]
    verdict = "PASS" if ratio <= TARGET else "ABOVE"
    out = io.StringIO()
    print(f"\n{'orders':>9}{'median ms':>12}{'p90 ms':>10}{'p99 ms':>10}{'requests':>10}", file=out)
    summary = {}
    for size in SIZES:
        values = times[size]
        summary[str(size)] = {
            "requests": len(values),
            "median_ms": round(medians[size], 3),
            "p90_ms": round(percentile(values, 0.9), 3),
            "p99_ms": round(percentile(values, 0.99), 3),
            "min_ms": round(min(values), 3),
            "orders_by_status": states[size],
        }
        s = summary[str(size)]
        print(
            f"{size:>9,}{s['median_ms']:>12.2f}{s['p90_ms']:>10.2f}{s['p99_ms']:>10.2f}"
            f"{len(values):>10}",
            file=out,
        )
    rounds = ", ".join(f"{r:.3f}" for r in round_ratios)
    print(f"ratios of the {len(round_ratios)} rounds: {rounds}", file=out)
    print(
        f"\nmedian({large:,}) / median({small:,}): {ratio:.3f}  (target <= {TARGET})  {verdict}",
        file=out,
    )
    print(out.getvalue())
    path = write_results(
        "dashboard",
        {
            "page": f"GET {PATH} (open orders, first page of 50) as a signed-in pharmacist",
            "settings": {
                "gunicorn_workers": 1,
                "worker_class": "sync",
                "requests_per_size_per_round": options.requests,
                "rounds": options.rounds,
                "warmup_requests": WARMUP_REQUESTS,
                "mix": options.mix,
                "client": "one at a time, new TCP connection each (gunicorn sync)",
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
            },
            "sizes": summary,
            "ratio": round(ratio, 4),
            "round_ratios": [round(r, 4) for r in round_ratios],
            "target": TARGET,
            "verdict": verdict,
        },
    )
    print(f"results in {path.relative_to(ROOT)}")
    return 0 if verdict == "PASS" else 2


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchFailed as failure:
        print(f"bench failed: {failure}", file=sys.stderr)
        sys.exit(1)
    except urllib.error.URLError as failure:
        print(f"bench failed: {failure}", file=sys.stderr)
        sys.exit(1)
