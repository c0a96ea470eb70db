"""bench/webhooks: a dead webhook receiver does not delay orders reaching `ready`.

    .venv/bin/python bench/webhooks/run.py [--orders 150] [--rounds 3] [--hang]

Makes a fresh PostgreSQL database (migrations, reference data, demo lots) and empties
Redis database 13 (before and after), then starts the service as docker-compose runs
it: a worker of the pharmacy's queue, a worker of the webhook queue and beat, each
`celery -A workers.app:celery_app` with 2 prefork processes. Two clinics send orders:

  quiet   a clinic with no webhook endpoint;
  dead    a clinic whose endpoint, registered for every event, is a server that takes
          each connection and closes it unanswered (with `--hang`: holds it and never
          answers, so each delivery waits out `WEBHOOK_READ_TIMEOUT_S`, 10 s). Failed
          deliveries are retried after 0.5 s and beat's round runs every second, so the
          dead endpoint is tried as often as a round lets one endpoint be (10 a round),
          its failures written, beside the pharmacy's work.

Each round submits N orders for the quiet clinic, then N for the dead one (each order
a patient of its own, through the real API in-process, one at a time), and times each
batch from its first POST to the last of its orders' status changes to `ready`. The
figure is the ratio dead / quiet of those times (1.0: no delay; lower is better), the
median over the rounds, against the target (at most 1.2). Beside it: orders per second,
p50/p99 from an order's creation to `ready`, and how many connections the dead receiver
took during the dead batch (the deliveries really were being made meanwhile).

Exit status: 0 PASS, 2 BELOW the target, 1 the run failed. Writes
bench/results/webhooks.json.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

import redis
from sqlalchemy import func, select

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/, for common.py

from common import ROOT, fresh_database, percentile, prescription_body, write_results  # noqa: E402

from pharmacy import create_app  # noqa: E402
from pharmacy.cli.demo import add_lots  # noqa: E402
from pharmacy.clock import pharmacy_today  # noqa: E402
from pharmacy.extensions import database  # noqa: E402
from pharmacy.migrations import upgrade  # noqa: E402
from pharmacy.models import Prescription, StatusChange  # noqa: E402
from pharmacy.services import SYSTEM  # noqa: E402
from pharmacy.services.admin import api_keys  # noqa: E402
from pharmacy.services.reference.defaults import load_defaults  # noqa: E402
from pharmacy.services.webhooks.events import EVENT_TYPES  # noqa: E402

BROKER_URL = os.environ.get("BENCH_WEBHOOKS_BROKER_URL", "redis://127.0.0.1:6379/13")
TARGET_RATIO = 1.2
TIMEOUT_S = 300  # for one batch to reach ready
WORKER = ["--concurrency", "2", "--loglevel", "WARNING", "--without-gossip", "--without-mingle"]


class BenchFailed(Exception):
    pass


class DeadReceiver:
    """Takes connections and never answers: closes them at once, or (`hang`) holds them,
    as a server that hung."""

    def __init__(self, *, hang: bool) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=512)
        self.hang = hang
        self.held: list[socket.socket] = []
        self.taken = 0
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/ldn-events"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.taken += 1
            if self.hang:
                self.held.append(connection)
            else:
                connection.close()

    def close(self) -> None:
        self.listener.close()
        for connection in self.held:
            connection.close()


def main() -> int:
    options = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    broker = redis.Redis.from_url(BROKER_URL)
    broker.flushdb()
    processes: list[subprocess.Popen] = []
    dead = DeadReceiver(hang=options.hang)
    try:
        with (
            fresh_database("ldn_bench_webhooks") as url,
            tempfile.TemporaryDirectory(prefix="bench-webhooks-") as folder,
        ):
            upgrade(url)
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "BROKER_URL": BROKER_URL,
                "LOG_LEVEL": "WARNING",
                "PHARMACY_INSTANCE": folder,
                "WEBHOOK_ALLOW_PRIVATE": "true",
                "WEBHOOK_SCAN_INTERVAL_S": "1",
                "WEBHOOK_BACKOFF_S": "0.5",
                "WEBHOOK_BACKOFF_MAX_S": "0.5",
                "WEBHOOK_READ_TIMEOUT_S": "10",
            }
            app = create_app({"DATABASE_URL": url, "BROKER_URL": BROKER_URL})
            quiet, loud = prepare(app, dead.url)
            processes += start(env, folder)
            client = app.test_client()
            run_batch(app, client, quiet, 10, "warm-up")  # imports, pools, forked children
            rounds = []
            for number in range(options.rounds):
                calm = run_batch(app, client, quiet, options.orders, "quiet")
                taken = dead.taken
                busy = run_batch(app, client, loud, options.orders, "dead")
                rounds.append({"quiet": calm, "dead": busy, "dead_connections": dead.taken - taken})
                print(f"round {number + 1}: {summary(rounds[-1])}")
            database.bound(app).engine.dispose()
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
        dead.close()
        broker.flushdb()
        broker.close()
    return report(options, rounds)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--orders", type=int, default=150, help="orders per clinic per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hang", action="store_true", help="the receiver holds connections")
    return parser.parse_args()


def prepare(app, dead_url: str) -> tuple[str, str]:
    """The reference data, the lots, and the two clinics' keys; the dead one's endpoint."""
    with app.app_context():
        session = database.session
        load_defaults(session)
        add_lots(session, pharmacy_today(app.config))
        keys = []
        for name in ("Quiet Clinic", "Dead Receiver Clinic"):
            clinic = api_keys.clinic_named(session, name, create=True)
            keys.append(api_keys.create_api_key(session, clinic, SYSTEM)[1])
        session.commit()
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    answer = app.test_client().post(
        "/api/v1/webhooks",
        json={"url": dead_url, "events": list(EVENT_TYPES)},
        headers={"Authorization": f"Bearer {keys[1]}"},
    )
    if answer.status_code != 201:
        raise BenchFailed(f"the endpoint was refused: {answer.get_json()}")
    return keys[0], keys[1]


def start(env: dict, folder: str) -> list[subprocess.Popen]:
    celery = [sys.executable, "-m", "celery", "-A", "workers.app:celery_app"]
    commands = [
        [*celery, "worker", *WORKER, "--hostname", "pharmacy@%h"],
        [*celery, "worker", "--queues", "webhooks", *WORKER, "--hostname", "webhooks@%h"],
        [*celery, "beat", "--loglevel", "WARNING", "--schedule", f"{folder}/beat"],
    ]
    log = open(f"{folder}/celery.log", "w")  # noqa: SIM115  (closed with the folder)
    return [
        subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True, stdout=log, stderr=log)
        for command in commands
    ]


def run_batch(app, client, key: str, orders: int, label: str) -> dict:
    """N orders submitted one by one; from the first POST to the last `ready`."""
    headers = {"Authorization": f"Bearer {key}"}
    started = datetime.now().astimezone()
    ids = []
    for _ in range(orders):
        body = prescription_body()
        body["patient"]["last_name"] = f"Bench-{uuid.uuid4().hex[:12]}"
        answer = client.post("/api/v1/prescriptions", json=body, headers=headers)
        if answer.status_code != 201:
            raise BenchFailed(f"{label}: a POST was answered {answer.status_code}")
        ids.append(int(answer.get_json()["rx_number"]))
    posted = time.monotonic()
    while True:
        with app.app_context():
            session = database.session
            readied = session.execute(
                select(StatusChange.prescription_id, func.min(StatusChange.at))
                .where(StatusChange.prescription_id.in_(ids), StatusChange.to_status == "ready")
                .group_by(StatusChange.prescription_id)
            ).all()
            created = dict(
                session.execute(
                    select(Prescription.id, Prescription.created_at).where(Prescription.id.in_(ids))
                ).all()
            )
        if len(readied) == orders:
            break
        if time.monotonic() - posted > TIMEOUT_S:
            raise BenchFailed(f"{label}: {orders - len(readied)} orders never reached ready")
        time.sleep(0.05)
    last = max(at for _, at in readied)
    latencies = [(at - created[rx]).total_seconds() for rx, at in readied]
    seconds = (last - started).total_seconds()
    return {
        "orders": orders,
        "seconds": round(seconds, 3),
        "orders_per_s": round(orders / seconds, 2),
        "p50_s": round(percentile(latencies, 0.5), 3),
        "p99_s": round(percentile(latencies, 0.99), 3),
    }


def ratio(round_: dict) -> float:
    return round_["dead"]["seconds"] / round_["quiet"]["seconds"]


def summary(round_: dict) -> str:
    quiet, dead = round_["quiet"], round_["dead"]
    return (
        f"quiet {quiet['orders_per_s']}/s (p50 {quiet['p50_s']} s, p99 {quiet['p99_s']} s), "
        f"dead receiver {dead['orders_per_s']}/s (p50 {dead['p50_s']} s, p99 "
        f"{dead['p99_s']} s), ratio {ratio(round_):.3f}, "
        f"{round_['dead_connections']} connections taken by the dead receiver"
    )


def report(options: argparse.Namespace, rounds: list[dict]) -> int:
    median = statistics.median(ratio(r) for r in rounds)
    verdict = "PASS" if median <= TARGET_RATIO else "BELOW"
    print(f"time to ready, dead receiver / none: {median:.3f} (target <= {TARGET_RATIO}) {verdict}")
    path = write_results(
        "webhooks",
        {
            "orders_per_clinic": options.orders,
            "receiver": "hangs" if options.hang else "closes each connection unanswered",
            "ratio": round(median, 3),
            "target_ratio": TARGET_RATIO,
            "verdict": verdict,
            "rounds": rounds,
        },
    )
    print(f"written to {path.relative_to(ROOT)}")
    return 0 if verdict == "PASS" else 2


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchFailed as error:
        print(f"bench failed: {error}", file=sys.stderr)
        sys.exit(1)
