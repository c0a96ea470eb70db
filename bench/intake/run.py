"""bench/intake: throughput of POST /api/v1/prescriptions, and of its FHIR front door
POST /fhir/r4/MedicationRequest (fhir.py), against a bare Flask floor.

    .venv/bin/python bench/intake/run.py [--duration 15] [--connections 8] [--workers 2]
                                         [--rounds 1]

Makes a fresh PostgreSQL database, migrates it and adds a clinic API key, then for the
bare floor (bare_app.py) and the real app in turn: starts it under gunicorn, warms it
up and measures it with wrk; then the real app again, sent the same order as FHIR. Prints
requests/s, p50 and p99 for each and the ratios app/bare and fhir/bare against their
targets; writes bench/results/intake.json. Exit status: 0 PASS, 2 BELOW a target, 1 if
the run itself failed. See bench/README.md.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fhir  # run.py's folder is on sys.path when run as a script
import redis
from bare_app import Base
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from pharmacy import config
from pharmacy.api.examples import EXAMPLE_PRESCRIPTION
from pharmacy.clock import pharmacy_today
from pharmacy.database import make_engine
from pharmacy.migrations import upgrade
from pharmacy.services import SYSTEM
from pharmacy.services.admin import api_keys
from pharmacy.services.reference.defaults import load_defaults

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = ROOT / "bench" / "results" / "intake.json"
SERVER_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# The app hands each order's work to the broker after its commit, as in production
# (Redis). A database index of its own, and its queue is emptied at the end: no worker
# elsewhere must ever take tasks naming rows of the dropped bench database.
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/15")
BROKER_QUEUE = "celery"  # Celery's default queue, where the app's tasks go
PATH = "/api/v1/prescriptions"
TARGET = 0.6  # the app must keep at least this share of the bare floor's throughput
WARMUP_SECONDS = 5  # fills the connection pools and Python's caches before measuring

# The api.md example, shared with the OpenAPI document and the tests.
PRESCRIPTION = EXAMPLE_PRESCRIPTION


class BenchFailed(Exception):
    """The measurement cannot be trusted; the message says why."""


def main() -> int:
    options = parse_args()
    # A SIGTERM (e.g. a CI timeout) unwinds like Ctrl-C, so servers and database go too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    wrk = ensure_wrk()
    broker = redis.Redis.from_url(BROKER_URL)
    try:
        broker.ping()
    except redis.RedisError as error:
        raise BenchFailed(f"the broker {BROKER_URL} is unreachable: {error}") from None
    admin = create_engine(make_url(SERVER_URL), isolation_level="AUTOCOMMIT")
    name = f"ldn_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
        key = prepare_database(url)
        today = pharmacy_today(config.from_environment())
        with (
            tempfile.NamedTemporaryFile("w", suffix=".json") as body_file,
            fhir.body_file(today) as fhir_body,
        ):
            json.dump(prescription_body(), body_file)
            body_file.flush()
            measure = Measure(wrk, options, url, key, body_file.name)
            rounds, fhir_rounds = [], []
            # Alternating rounds, each compared within itself, so a busy spell on the
            # machine weighs on one round's pair rather than on one side only.
            for _ in range(options.rounds):
                bare = measure.run(
                    "bare",
                    [f"--chdir={HERE}", "bare_app:create_app()"],
                    "SELECT count(*) FROM bench_bare_orders",
                )
                app = measure.run(
                    "app",
                    [f"--chdir={ROOT}", "pharmacy:create_app()"],
                    "SELECT count(*) FROM prescriptions",
                )
                rounds.append((bare, app))
                fhir_rounds.append(fhir.measured(measure, fhir_body))
            unpublished = count(
                url, "SELECT count(*) FROM outbox_messages WHERE published_at IS NULL"
            )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        broker.delete(BROKER_QUEUE)
    return report(options, rounds, unpublished, fhir_rounds)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds measured")
    parser.add_argument("--connections", type=int, default=8, help="wrk -c (one thread)")
    # 2 sync workers: this machine has 2 cores, and wrk and PostgreSQL share them.
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=1, help="bare/app pairs; the median counts")
    return parser.parse_args()


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print("wrk not found; installing it with apt-get", file=sys.stderr)
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or sys.exit("apt-get installed wrk, but it is not on PATH")


def prepare_database(url: str) -> str:
    """Schema by the project's migrations, its reference data, and a clinic's API key."""
    upgrade(url)
    engine = make_engine(url)
    try:
        Base.metadata.create_all(engine)  # the floor's own table, once, not by each worker
        with Session(engine) as session:
            load_defaults(session)
            clinic = api_keys.clinic_named(session, "Bench Clinic", create=True)
            _, key = api_keys.create_api_key(session, clinic, SYSTEM)
            session.commit()
    finally:
        engine.dispose()
    return key


def prescription_body() -> dict:
    """The example with `written_on` yesterday by the pharmacy's calendar, as the app
    checks it (not in the future, not over a year old) with the same environment."""
    body = copy.deepcopy(PRESCRIPTION)
    body["written_on"] = (pharmacy_today(config.from_environment()) - timedelta(days=1)).isoformat()
    return body


class Measure:
    """Serve one app, check one request by hand, warm it up, then measure it with wrk."""

    def __init__(self, wrk: str, options, database_url: str, key: str, body_path: str):
        self.wrk, self.options = wrk, options
        self.database_url, self.key, self.body_path = database_url, key, body_path

    def run(
        self,
        label: str,
        app_args: list[str],
        count_rows: str,
        path: str = PATH,
        body_path: str | None = None,
    ) -> dict:
        body_path = body_path or self.body_path
        with self.serve(app_args) as (base, server):
            check_one_request(base + path, self.key, body_path, label)
            self.wrk_run(base + path, body_path, WARMUP_SECONDS)
            time.sleep(1)  # let requests still in flight at wrk's end commit
            before = count(self.database_url, count_rows)
            cpu_before = server_cpu_seconds(server.pid)
            result = self.wrk_run(base + path, body_path, self.options.duration)
            cpu = server_cpu_seconds(server.pid) - cpu_before
        # The server has stopped gracefully: every row it will write is written.
        result["rows_stored"] = count(self.database_url, count_rows) - before
        # CPU the web processes spent per answered request: the app's own cost, less
        # swayed by a busy machine than a rate is (PostgreSQL's share is not in it).
        result["server_cpu_ms_per_request"] = round(cpu * 1000 / max(result["requests"], 1), 3)
        print(f"--- {label}: wrk over {self.options.duration} s\n{result['wrk_report']}\n")
        verify(label, result, self.options.connections)
        return result

    @contextmanager
    def serve(self, app_args: list[str]) -> Iterator[tuple[str, subprocess.Popen]]:
        """gunicorn with the same settings for both apps; yields its base URL and
        its master process."""
        port = free_port()
        environment = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "BROKER_URL": BROKER_URL,
            # Production logs at INFO; off here so the terminal is not flooded. The
            # per-request JSON line costs ~20 µs, well under 1% of a request (measured).
            "LOG_LEVEL": "WARNING",
            # The per-key limit is counted (one Redis call a request, as in production)
            # but set past anything one key sends here.
            "API_RATE_LIMIT": "100000000 per minute",
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            f"--bind=127.0.0.1:{port}",
            f"--workers={self.options.workers}",
            "--worker-class=sync",
            "--log-level=warning",  # no access log: the app's own logging is what we measure
            *app_args,
        ]
        # Its own process group, so the master and its workers are stopped together.
        server = subprocess.Popen(command, env=environment, start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_ready(server, base + "/healthz")
            yield base, server
        finally:
            stop(server)

    def wrk_run(self, url: str, body_path: str, seconds: int) -> dict:
        command = [
            self.wrk,
            "-t1",  # one wrk thread is plenty on loopback and leaves the cores to the servers
            f"-c{self.options.connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout=10s",
            f"--script={HERE / 'post.lua'}",
            url,
            "--",
            self.key,
            body_path,
            uuid.uuid4().hex[:8],  # post.lua names each request's patient after it
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
        result = json.loads(line.removeprefix("WRK_JSON "))
        result["requests_per_s"] = result["requests"] / (result["duration_us"] / 1e6)
        result["wrk_report"] = output.split("WRK_JSON")[0].rstrip()
        return result


def count(database_url: str, query: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(query)).scalar_one()
    finally:
        engine.dispose()


def server_cpu_seconds(master_pid: int) -> float:
    """User and system CPU time of the gunicorn master and its workers so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    pids = [master_pid]
    while pids:
        pid = pids.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (after the state)
            for task in Path(f"/proc/{pid}/task").iterdir():
                pids.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue  # gone meanwhile
    return total / ticks


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(server: subprocess.Popen, url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchFailed(f"gunicorn exited with status {server.returncode} at start-up")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchFailed(f"{url} did not answer 200 within {timeout:.0f} s")


def stop(server: subprocess.Popen) -> None:
    """SIGTERM lets gunicorn finish requests in flight; SIGKILL if it will not stop."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def check_one_request(url: str, key: str, body_path: str, label: str) -> None:
    """One POST by hand first: a 422 or 401 then fails with the app's own explanation."""
    request = urllib.request.Request(
        url,
        data=Path(body_path).read_bytes(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, answer = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, answer = error.code, error.read()
    if status != 201:
        raise BenchFailed(f"{label}: POST {url} answered {status}, not 201: {answer[:500]!r}")


def verify(label: str, result: dict, connections: int) -> None:
    """Only 2xx answers, no socket errors, and one stored row per answered request (plus
    at most one per connection still in flight when wrk stopped)."""
    errors = {
        k: result[k]
        for k in ("non_2xx", "connect_errors", "read_errors", "write_errors", "timeouts")
        if result[k]
    }
    if errors:
        raise BenchFailed(f"{label}: wrk saw errors {errors}\n{result['wrk_report']}")
    requests, stored = result["requests"], result["rows_stored"]
    if not requests <= stored <= requests + connections:
        raise BenchFailed(f"{label}: {requests} requests answered but {stored} rows stored")


def report(
    options, rounds: list[tuple[dict, dict]], unpublished: int, fhir_rounds: list[dict]
) -> int:
    ratios = [app["requests_per_s"] / bare["requests_per_s"] for bare, app in rounds]
    median = sorted(range(len(rounds)), key=ratios.__getitem__)[len(rounds) // 2]
    (bare, app), ratio = rounds[median], ratios[median]
    verdict = "PASS" if ratio >= TARGET else "BELOW"
    print(f"\n{'':6}{'requests/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'rows':>8}{'CPU ms/req':>12}")
    for label, result in (("bare", bare), ("app", app)):
        print(
            f"{label:6}{result['requests_per_s']:12.1f}{result['p50_us'] / 1000:10.2f}"
            f"{result['p99_us'] / 1000:10.2f}{result['rows_stored']:8d}"
            f"{result['server_cpu_ms_per_request']:12.2f}"
        )
    fhir_result = fhir.report(rounds, fhir_rounds)
    if len(rounds) > 1:
        print(f"ratios of the {len(rounds)} rounds: {', '.join(f'{r:.3f}' for r in ratios)}")
    if unpublished:
        print(f"note: {unpublished} orders' work was not handed to the broker")
    print(f"\napp/bare throughput: {ratio:.3f}  (target >= {TARGET})  {verdict}")
    print(
        f"fhir/bare throughput: {fhir_result['ratio']:.3f}  (target >= {fhir.TARGET})  "
        f"{fhir_result['verdict']}"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    settings = {
        "gunicorn_workers": options.workers,
        "worker_class": "sync",
        "wrk_threads": 1,
        "wrk_connections": options.connections,
        "warmup_s": WARMUP_SECONDS,
        "duration_s": options.duration,
        "rounds": options.rounds,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    document = {
        "benchmark": "intake",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        **git_state(),
        "settings": settings,
        "bare": without_report(bare),
        "app": without_report(app),
        "ratio": round(ratio, 4),
        "round_ratios": [round(r, 4) for r in ratios],
        "rounds": [{"bare": without_report(b), "app": without_report(a)} for b, a in rounds],
        "fhir": fhir_result,
        "outbox_unpublished": unpublished,
        "target": TARGET,
        "verdict": verdict,
    }
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    print(f"results in {RESULTS.relative_to(ROOT)}")
    return 0 if verdict == fhir_result["verdict"] == "PASS" else 2


def without_report(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "wrk_report"}


def git_state() -> dict:
    """What was measured: the commit, and whether the working tree differed from it."""

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True).stdout.decode()

    return {
        "commit": git("rev-parse", "HEAD").strip() or None,
        "dirty": bool(git("status", "--porcelain")),
    }


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchFailed as failure:
        sys.exit(f"bench/intake FAILED: {failure}")
