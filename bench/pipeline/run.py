"""bench/pipeline: orders from the API to `ready` through real Celery workers, against
a bare Flask + SQLAlchemy + Celery floor (live) and a no-op Celery floor (backlog).

    .venv/bin/python bench/pipeline/run.py [--orders 2000] [--tasks 2000]

Makes a fresh PostgreSQL database for the service (migrations, reference data, demo
lots, a clinic API key) and another on the same server for the app floor (its one
table), and empties Redis database 12 (before, between runs and after), then measures,
one after the other:

  task floor  `celery -A noop_app:celery_app worker` (noop_app.py: the service's Celery
              settings, a task that only records it ran) working N (--tasks) no-op
              tasks, each sent by a bare `send_task` from the bench process.
  app floor   floor_app.py, a bare Flask + SQLAlchemy app, no project code: its POST
              inserts one row and commits, then sends a no-op task with `send_task`;
              the same no-op worker takes them. N (--orders) POSTs, live only.
  pipeline    `celery -A workers.app:celery_app worker` and `beat`, as the service runs
              them, working N (--orders) prescriptions, each for a patient of its own,
              submitted through the real API to `ready`.

Both apps are served in-process and called through Flask's test client, one request
at a time from the bench's one thread, with the same body (the patient's last name
made unique per request) and the same headers: the same client path and concurrency.

Two measurements, each alike for the subjects it compares:

  live      (the headline, the realistic pipeline) pipeline against the app floor.
            The workers are started and warmed up, then the bench process produces the
            N items one by one while the workers consume them, on the same CPUs. The
            clock runs from the first POST to the last completion (the app floor's last
            task run; the last status change to `ready`). Both sides pay an HTTP request,
            a database write and a Celery task per order, so the ratio is what the
            service does beyond that: its API's checks and records, its worker's work.
            The producer's own rate and CPU per item are printed beside it to show
            which side bound the run. The task floor is measured live too, for
            reference (what a bare `send_task` and a no-op cost), with no ratio.
  backlog   pipeline against the task floor. N more items queued with the workers
            stopped, then the workers started; the clock runs from the first completion
            to the last, so neither the producer nor start-up is in it: the workers
            alone, on the whole machine. Only the items completed after the first
            completion count: a worker that takes waiting orders along with its own
            completes many at once, and those were worked before the clock started (the
            floor's first completion is one item). CPU per item from the first
            completion on, alike for both. The app floor's backlog would be the task
            floor's (the same worker, the same tasks), so it is not measured.

An order is `ready` before the tasks for the orders its task took along have been
consumed (they find their order done and do nothing); the pipeline's work is over only
once the broker holds no task, delivered or not. So its end is the later of the last
`ready` and the moment the bench sees its queue empty (polled every 10 ms), and its CPU
is counted to then; the floors' items are the tasks themselves.

All: same worker command-line options (2 prefork processes; acks_late and prefetch 1
from the app's settings), same Redis database, same machine. Prints items/s, the
pipeline/floor ratios (higher is better) against the target, p50/p99 from the order's
creation (or the send) to completion, CPU per item and peak RSS per worker process;
writes bench/results/pipeline.json. Exit status: 0 PASS, 2 BELOW a target (live ratio
or memory), 1 the run failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import redis
from sqlalchemy import bindparam, create_engine, func, select, text
from sqlalchemy.orm import Session

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/, for common.py (HERE is already on it)

from common import (  # noqa: E402
    ROOT,
    fresh_database,
    percentile,
    prescription_body,
    write_results,
)
from floor_app import Base as FloorBase  # noqa: E402
from floor_app import FloorOrder  # noqa: E402
from floor_app import create_app as create_floor_app  # noqa: E402
from noop_app import BROKER_URL, DONE_KEY, TASK_NAME  # noqa: E402
from noop_app import celery_app as noop_app  # noqa: E402

from pharmacy import create_app  # noqa: E402
from pharmacy.cli.demo import add_lots  # noqa: E402
from pharmacy.clock import pharmacy_today  # noqa: E402
from pharmacy.config import from_environment  # noqa: E402
from pharmacy.database import make_engine  # noqa: E402
from pharmacy.migrations import upgrade  # noqa: E402
from pharmacy.services import SYSTEM  # noqa: E402
from pharmacy.services.admin import api_keys  # noqa: E402
from pharmacy.services.reference.defaults import load_defaults  # noqa: E402

PATH = "/api/v1/prescriptions"
TARGET_RATIO = 0.5  # the pipeline must keep at least this share of the floor's rate
TARGET_RSS_MB = 150  # per worker process, the main one and each pool child
WARMUP = 20  # items before the clock starts: imports, connection pools, forked children
TIMEOUT_S = 180  # for all N items of one run to complete (typically 10-40 s)
TOTAL_TIMEOUT_S = 600  # the whole bench; it usually takes 2-3 minutes

# Both workers exactly alike. 2 prefork processes as docker-compose runs the service;
# WARNING, not the CLI's INFO, so per-task log lines are not what we measure; no gossip
# or mingle, as in tests/workers: nothing else shares this Redis database.
WORKER_ARGS = [
    "worker",
    "--pool",
    "prefork",
    "--concurrency",
    "2",
    "--loglevel",
    "WARNING",
    "--without-gossip",
    "--without-mingle",
]
# What makes a Celery round trip cost what it does; noop_app.py must match the service.
SHARED_SETTINGS = (
    "broker_url",
    "broker_transport_options",
    "task_serializer",
    "accept_content",
    "task_ignore_result",
    "task_acks_late",
    "task_reject_on_worker_lost",
    "task_time_limit",
    "task_soft_time_limit",
    "worker_prefetch_multiplier",
)
# Where kombu's Redis transport keeps the default queue and the delivered, unacked tasks.
QUEUE, UNACKED = "celery", "unacked"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
deadline = float("inf")  # set by main(); checked between items and while waiting


class BenchFailed(Exception):
    """The measurement cannot be trusted; the message says why."""


def main() -> int:
    options = parse_args()
    # A SIGTERM (e.g. a CI timeout) unwinds like Ctrl-C, so workers and database go too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    global deadline
    deadline = time.monotonic() + TOTAL_TIMEOUT_S
    broker = redis.Redis.from_url(BROKER_URL)
    try:
        broker.flushdb()
    except redis.RedisError as error:
        raise BenchFailed(f"the broker {BROKER_URL} is unreachable: {error}") from None
    load_before = os.getloadavg()[0]
    try:
        with (
            fresh_database("ldn_bench_pipeline") as url,
            fresh_database("ldn_bench_pipeline_floor") as floor_url,
            tempfile.TemporaryDirectory(prefix="bench-pipeline-") as folder,
        ):
            key = prepare_database(url)
            prepare_floor_database(floor_url)
            # BROKER_URL is the bench's Redis database (noop_app.BROKER_URL, db 12 unless
            # BENCH_BROKER_URL says otherwise), flushed before and after: no worker
            # elsewhere may ever take tasks naming rows of the dropped bench database.
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "BROKER_URL": BROKER_URL,
                "LOG_LEVEL": "WARNING",
                "PHARMACY_INSTANCE": folder,  # the beat schedule and anything else it writes
            }
            check_floor_settings(env)
            floor = measure(Floor(broker, env, Path(folder)), options.tasks)
            broker.flushdb()
            # Right before the pipeline, so the two live runs it compares are close in
            # time on a machine whose load moves.
            with closing(AppFloor(floor_url, key, broker, env, Path(folder))) as subject:
                live_floor = measure_live(subject, options.orders)
            broker.flushdb()
            with closing(Pipeline(url, key, env, Path(folder))) as subject:
                pipeline = measure(subject, options.orders)
    finally:
        broker.flushdb()
        broker.close()
    return report(options, floor, live_floor, pipeline, load_before)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument(
        "--orders", type=int, default=2000, help="prescriptions submitted, and app floor POSTs"
    )
    parser.add_argument(
        "--tasks", type=int, default=2000, help="no-op tasks for the task floor (backlog)"
    )
    return parser.parse_args()


def check_floor_settings(env: dict) -> None:
    """noop_app.py copies the service worker's Celery settings; fail if they drifted.
    The service's are read from workers.app in a child process, with the bench's env."""
    script = (
        "import json; from workers.app import celery_app as app;"
        f" print(json.dumps({{k: app.conf[k] for k in {SHARED_SETTINGS!r}}}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BenchFailed(f"could not read workers.app's Celery settings:\n{done.stderr}")
    service = json.loads(done.stdout.splitlines()[-1])
    floor = json.loads(json.dumps({k: noop_app.conf[k] for k in SHARED_SETTINGS}))
    drift = {
        k: {"service": service[k], "floor": floor[k]} for k in service if service[k] != floor[k]
    }
    if drift:
        raise BenchFailed(f"noop_app.py no longer matches workers/app.py: {drift}")


def prepare_database(url: str) -> str:
    """Schema by the project's migrations, reference data, demo lots, a clinic's key."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            load_defaults(session)
            add_lots(session, pharmacy_today(from_environment()))
            clinic = api_keys.clinic_named(session, "Bench Clinic", create=True)
            _, key = api_keys.create_api_key(session, clinic, SYSTEM)
            session.commit()
    finally:
        engine.dispose()
    return key


def prepare_floor_database(url: str) -> None:
    """The app floor's one table, made here once rather than by the app at start-up."""
    engine = create_engine(url)
    try:
        FloorBase.metadata.create_all(engine)
    finally:
        engine.dispose()


# --- the three subjects --------------------------------------------------------------


class Floor:
    """The task floor: no-op tasks, each sent by a bare `send_task`, through
    noop_app.py's worker; each one RPUSHes when it ran."""

    label = "task floor"

    def __init__(self, broker: redis.Redis, env: dict, folder: Path) -> None:
        self.broker, self.env, self.folder = broker, env, folder

    @contextmanager
    def workers(self) -> Iterator[list[CeleryProcess]]:
        args = ["-A", "noop_app:celery_app", *WORKER_ARGS]
        with celery("floor-worker", args, HERE, self.env, self.folder) as worker:
            yield [worker]

    def produce(self, _tag: str) -> None:
        # As the service publishes (pharmacy.queue.sender_for): by name, kwargs, no retry.
        noop_app.send_task(TASK_NAME, kwargs={"sent_at": time.time()}, retry=False)

    def completed(self, _batch: list) -> int:
        return self.broker.llen(DONE_KEY)  # emptied by collect() after each batch

    def drained_at(self, *_watched: CeleryProcess) -> float | None:
        return None  # each item is a task: its completion is the task's

    def collect(self, batch: list) -> list[tuple[float, float]]:
        """(sent, done) of each task, having checked each ran exactly once."""
        records = [tuple(map(float, r.split())) for r in self.broker.lrange(DONE_KEY, 0, -1)]
        self.broker.delete(DONE_KEY)
        if len(records) != len(batch):
            raise BenchFailed(f"{self.label}: {len(batch)} tasks sent but {len(records)} ran")
        return records


class AppFloor(Floor):
    """The live floor: floor_app.py served in-process like the service, through the
    same test client with the same body and headers; its tasks go to the task floor's
    no-op worker, so workers, completion and the check of each task are the same."""

    label = "app floor"

    def __init__(self, url: str, key: str, broker: redis.Redis, env: dict, folder: Path):
        super().__init__(broker, env, folder)
        self.app = create_floor_app(url)
        self.client = self.app.test_client()
        # The floor reads no key, but gets the same request the service gets.
        self.headers = {"Authorization": f"Bearer {key}"}
        self.body = prescription_body()
        self.reader = create_engine(url)

    def close(self) -> None:
        self.reader.dispose()
        self.app.extensions["floor_engine"].dispose()

    def produce(self, tag: str) -> int:
        self.body["patient"]["last_name"] = f"Bench-{tag}"  # as Pipeline.produce
        response = self.client.post(PATH, json=self.body, headers=self.headers)
        if response.status_code != 201:
            raise BenchFailed(f"app floor: POST {PATH} answered {response.status_code}")
        return int(response.get_json()["id"])

    def collect(self, batch: list[int]) -> list[tuple[float, float]]:
        """(created, done) of each task, having checked each ran exactly once and
        each of the batch's rows is stored."""
        records = super().collect(batch)
        with self.reader.connect() as connection:
            stored = connection.execute(
                select(func.count()).where(FloorOrder.id.in_(batch))
            ).scalar_one()
        if stored != len(batch):
            raise BenchFailed(f"app floor: {len(batch)} orders answered but {stored} stored")
        return records


class Pipeline:
    """Prescriptions through the real API, worked by the service's worker and beat."""

    label = "pipeline"

    def __init__(self, url: str, key: str, env: dict, folder: Path) -> None:
        self.env, self.folder = env, folder
        # In-process, as tests/workers do: the same code a gunicorn worker runs per request.
        self.app = create_app(
            {
                "DATABASE_URL": url,
                "BROKER_URL": BROKER_URL,
                "LOG_LEVEL": "WARNING",
                # Counted, as in production, but past anything one key sends here.
                "API_RATE_LIMIT": "100000000 per minute",
            }
        )
        self.client = self.app.test_client()
        self.headers = {"Authorization": f"Bearer {key}"}
        self.body = prescription_body()
        self.reader = create_engine(url)

    def close(self) -> None:
        self.reader.dispose()
        self.app.extensions["database"].engine.dispose()

    @contextmanager
    def workers(self) -> Iterator[list[CeleryProcess]]:
        worker = ["-A", "workers.app:celery_app", *WORKER_ARGS]
        beat = ["-A", "workers.app:celery_app", "beat", "--loglevel", "WARNING"]
        beat += ["--schedule", str(self.folder / "celerybeat-schedule")]
        with (
            celery("pipeline-worker", worker, ROOT, self.env, self.folder) as worker_process,
            celery("pipeline-beat", beat, ROOT, self.env, self.folder) as beat_process,
        ):
            yield [worker_process, beat_process]

    def produce(self, tag: str) -> int:
        # A patient of its own: two active LDN orders of one patient are held as
        # duplicate therapy. The test client serialises the body at once.
        self.body["patient"]["last_name"] = f"Bench-{tag}"
        response = self.client.post(PATH, json=self.body, headers=self.headers)
        if response.status_code != 201:
            raise BenchFailed(f"POST {PATH} answered {response.status_code}: {response.text}")
        return int(response.get_json()["rx_number"])

    def completed(self, batch: list[int]) -> int:
        # Batches follow one another and nothing else submits: the id range is the batch.
        with self.reader.connect() as connection:
            return connection.execute(
                text(
                    "SELECT count(*) FROM prescriptions"
                    " WHERE id BETWEEN :first AND :last AND status <> 'received'"
                ),
                {"first": batch[0], "last": batch[-1]},
            ).scalar_one()

    def drained_at(self, *watched: CeleryProcess) -> float | None:
        """When the broker was seen holding no task (queued, or delivered and not yet
        acknowledged), if any was left when the last order was ready; else None."""
        broker = redis.Redis.from_url(BROKER_URL)
        try:

            def empty() -> bool:
                return broker.llen(QUEUE) == 0 and broker.hlen(UNACKED) == 0

            if empty():
                return None
            wait_for(empty, TIMEOUT_S, "the pipeline's queue to drain", *watched, every=0.01)
            return time.time()
        finally:
            broker.close()

    def collect(self, batch: list[int]) -> list[tuple[float, float]]:
        """(created_at, ready) of each order, having checked each was worked exactly
        once to `ready`: one worksheet, one move to ready, one `prescription.worked`
        audit event, its outbox message done. Both times are stored in UTC."""
        query = text(
            """
            SELECT p.id, p.status, extract(epoch FROM p.created_at),
                   (SELECT extract(epoch FROM max(s.at)) FROM status_changes s
                     WHERE s.prescription_id = p.id AND s.to_status = 'ready'),
                   (SELECT count(*) FROM status_changes s
                     WHERE s.prescription_id = p.id AND s.to_status = 'ready'),
                   (SELECT count(*) FROM worksheets w WHERE w.prescription_id = p.id),
                   (SELECT count(*) FROM audit_events a
                     WHERE a.prescription_id = p.id AND a.action = 'prescription.worked')
              FROM prescriptions p WHERE p.id IN :ids ORDER BY p.id
            """
        ).bindparams(bindparam("ids", expanding=True))
        undone = text(
            "SELECT count(*) FROM outbox_messages WHERE processed_at IS NULL"
            " AND (payload->>'prescription_id')::int IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        with self.reader.connect() as connection:
            rows = connection.execute(query, {"ids": batch}).all()
            outbox_left = connection.execute(undone, {"ids": batch}).scalar_one()
        wrong = [row for row in rows if (row[1], *row[4:]) != ("ready", 1, 1, 1)]
        if len(rows) != len(batch) or wrong or outbox_left:
            sample = [tuple(row) for row in wrong[:5]]
            raise BenchFailed(
                f"{len(rows)} of {len(batch)} orders found, {len(wrong)} not worked exactly"
                f" once to ready (id, status, created, ready, moves, worksheets, events:"
                f" {sample}), {outbox_left} outbox messages not done"
            )
        return [(float(row[2]), float(row[3])) for row in rows]


# --- the measurement, alike for all -----------------------------------------------


def measure(subject: Floor | Pipeline, count: int) -> dict:
    """Warm up, then `count` items live (produced while the workers consume), then
    `count` more as a backlog (queued with the workers stopped, then worked)."""
    live = measure_live(subject, count)
    backlog = measure_backlog(subject, count)
    return {**live, **backlog, "processes": live["processes"] + backlog["processes"]}


def measure_live(subject: Floor | Pipeline, count: int) -> dict:
    """Warm up, then `count` items produced one by one while the workers consume them."""
    label = subject.label
    with subject.workers() as processes, ProcessWatch(processes[0].process.pid) as live:
        warm = produce(subject, "warmup", WARMUP)
        what = f"the {label} workers to start"
        wait_for(lambda: subject.completed(warm) >= WARMUP, 90, what, *processes)
        subject.collect(warm)
        live.start_cpu()
        producer_cpu = os.times()
        started = time.time()
        batch = produce(subject, "live", count)
        sent = time.time()
        producer_cpu = cpu_since(producer_cpu)
        what = f"{count} {label} items, live"
        wait_for(lambda: subject.completed(batch) >= count, TIMEOUT_S, what, *processes)
        live_drained = subject.drained_at(*processes)
        live.stop_cpu()
    # Checked once the workers have stopped: nothing more can change.
    times = subject.collect(batch)
    finished = max(max(done for _, done in times), live_drained or 0)
    latencies = [done - sent_at for sent_at, done in times]
    return {
        "count": count,
        # First send to last completion, the workers consuming meanwhile.
        "seconds": finished - started,
        "per_s": count / (finished - started),
        "produced_per_s": count / (sent - started),  # the producer alone
        "p50_ms": 1000 * percentile(latencies, 0.50),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "producer_cpu_ms_per_item": 1000 * producer_cpu / count,
        "worker_cpu_ms_per_item": 1000 * live.cpu_seconds() / count,
        "processes": live.report(),
    }


def measure_backlog(subject: Floor | Pipeline, count: int) -> dict:
    """`count` items queued with the workers stopped, then worked: the workers alone."""
    label = subject.label
    backlog = produce(subject, "backlog", count)
    with subject.workers() as processes, ProcessWatch(processes[0].process.pid) as drain:
        what = f"the first {label} item, backlog"
        wait_for(lambda: subject.completed(backlog) >= 1, TIMEOUT_S, what, *processes)
        drain.start_cpu()  # start-up is behind us: the workers' own imports left out
        before_cpu = subject.completed(backlog)
        what = f"{count} {label} items, backlog"
        wait_for(lambda: subject.completed(backlog) >= count, TIMEOUT_S, what, *processes)
        backlog_drained = subject.drained_at(*processes)
        drain.stop_cpu()
    drained = [done for _, done in subject.collect(backlog)]
    first = min(drained)
    # Items the first completion brought: one for the floor, a batch for the pipeline.
    at_first = sum(1 for done in drained if done == first)
    return {
        # First to last completion, so start-up is left out; the workers alone.
        "backlog_per_s": (count - at_first) / (max(max(drained), backlog_drained or 0) - first),
        "backlog_first_completion_items": at_first,
        "backlog_worker_cpu_ms_per_item": 1000 * drain.cpu_seconds() / (count - before_cpu),
        "processes": drain.report(),
    }


def produce(subject: Floor | Pipeline, tag: str, count: int) -> list:
    items = []
    for i in range(count):
        if i % 100 == 0:
            check_deadline()
        items.append(subject.produce(f"{tag}-{i:05d}"))
    return items


def check_deadline() -> None:
    """Between items, never in the middle of a request: the cleanup then runs cleanly."""
    if time.monotonic() > deadline:
        raise BenchFailed(f"the run took over {TOTAL_TIMEOUT_S} s")


# --- processes ---------------------------------------------------------------------


class CeleryProcess:
    """A `celery` command in its own process group, its output in a log file."""

    def __init__(self, label: str, process: subprocess.Popen, log: Path) -> None:
        self.label, self.process, self.log = label, process, log

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise BenchFailed(
                f"{self.label} exited with status {self.process.returncode}:\n{self.tail()}"
            )

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def celery(
    label: str, args: list[str], cwd: Path, env: dict, folder: Path
) -> Iterator[CeleryProcess]:
    log = folder / f"{label}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", *args],
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so stop() reaches the pool children too
        )
    try:
        yield CeleryProcess(label, process, log)
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (Celery's warm shutdown) to the whole group, SIGKILL if it lingers."""
    for sig, patience in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return  # the group is gone: main process and children
        try:
            process.wait(timeout=patience)
        except subprocess.TimeoutExpired:
            continue


def wait_for(
    check: Callable[[], bool],
    timeout: float,
    what: str,
    *watched: CeleryProcess,
    every: float = 0.05,
) -> None:
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if check():
            return
        for process in watched:
            process.check_alive()
        check_deadline()
        time.sleep(every)
    logs = "\n".join(f"--- {p.label} log:\n{p.tail()}" for p in watched)
    raise BenchFailed(f"timed out after {timeout:.0f} s waiting for {what}\n{logs}")


def cpu_since(before: os.times_result) -> float:
    now = os.times()
    return (now.user - before.user) + (now.system - before.system)


class ProcessWatch:
    """Peak RSS and CPU time of a Celery worker's main process and its pool children.

    Reads /proc (no new dependency) every half second in a thread. The peak is the
    kernel's own high-water mark (VmHWM), so no spike falls between two samples; the
    samples are there to find the pool children and their CPU time while they live.
    """

    INTERVAL_S = 0.5

    def __init__(self, main_pid: int) -> None:
        self.main_pid = main_pid
        self.seen: dict[int, dict] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ProcessWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()  # the last word, before the workers are stopped

    def _run(self) -> None:
        while not self._stop.wait(self.INTERVAL_S):
            self.sample()

    def sample(self) -> None:
        for pid in [self.main_pid, *children(self.main_pid)]:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                stat = Path(f"/proc/{pid}/stat").read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue  # exited between the listing and the read
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if "VmHWM" not in fields:
                continue  # a zombie: exited, no memory left to count
            utime, stime = stat.rsplit(")", 1)[1].split()[11:13]
            entry = self.seen.setdefault(
                pid, {"pid": pid, "role": "main" if pid == self.main_pid else "pool child"}
            )
            entry["peak_rss_mb"] = kilobytes(fields["VmHWM"]) / 1024
            entry["rss_mb"] = kilobytes(fields["VmRSS"]) / 1024
            entry["cpu_s"] = (int(utime) + int(stime)) / CLOCK_TICKS

    def start_cpu(self) -> None:
        self.sample()
        self.cpu_at_start = {pid: entry["cpu_s"] for pid, entry in self.seen.items()}

    def stop_cpu(self) -> None:
        self.sample()
        self.cpu_at_stop = {pid: entry["cpu_s"] for pid, entry in self.seen.items()}

    def cpu_seconds(self) -> float:
        """CPU time the worker's processes spent between start_cpu() and stop_cpu()."""
        return sum(cpu - self.cpu_at_start.get(pid, 0) for pid, cpu in self.cpu_at_stop.items())

    def report(self) -> list[dict]:
        return [
            {k: round(v, 1) if isinstance(v, float) else v for k, v in e.items()}
            for e in self.seen.values()
        ]


def children(pid: int) -> list[int]:
    """The pool children: forks of `pid` running the same program (at start-up Celery
    also runs short-lived commands such as `uname`, which are not workers)."""
    found = []
    program = Path(f"/proc/{pid}/exe").resolve()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                parent = int(stat.rsplit(")", 1)[1].split()[1])  # after the state: ppid
                if parent == pid and Path(f"/proc/{entry}/exe").resolve() == program:
                    found.append(int(entry))
            except OSError:
                continue  # gone meanwhile
    return found


def kilobytes(value: str) -> int:
    return int(value.split()[0])  # "  123456 kB"


# --- report ------------------------------------------------------------------------


def report(options, floor: dict, live_floor: dict, pipeline: dict, load_before: float) -> int:
    # Rates over the same count of orders: the app floor's time over the pipeline's.
    ratio = pipeline["per_s"] / live_floor["per_s"]
    verdict = "PASS" if ratio >= TARGET_RATIO else "BELOW"
    backlog_ratio = pipeline["backlog_per_s"] / floor["backlog_per_s"]
    backlog_verdict = "PASS" if backlog_ratio >= TARGET_RATIO else "BELOW"
    peak = max(p["peak_rss_mb"] for p in pipeline["processes"])
    memory_verdict = "PASS" if peak < TARGET_RSS_MB else "BELOW"
    runs = (("task floor", floor), ("app floor", live_floor), ("pipeline", pipeline))

    print(
        f"\n{'':11}{'---------------------- live ----------------------':>58}"
        f"{'----- backlog -----':>21}"
    )
    print(
        f"{'':11}{'items/s':>9}{'produced/s':>11}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'producer CPU':>13}{'worker CPU':>12}{'items/s':>10}{'worker CPU':>12}"
    )
    for label, run in runs:
        backlog = (
            f"{run['backlog_per_s']:10.1f}{run['backlog_worker_cpu_ms_per_item']:9.2f} ms"
            if "backlog_per_s" in run
            else f"{'-':>10}{'-':>12}"
        )
        print(
            f"{label:11}{run['per_s']:9.1f}{run['produced_per_s']:11.1f}{run['p50_ms']:9.1f}"
            f"{run['p99_ms']:9.1f}{run['producer_cpu_ms_per_item']:10.2f} ms"
            f"{run['worker_cpu_ms_per_item']:9.2f} ms{backlog}"
        )
    print(
        "\ntask floor: a bare send_task from the bench process, a no-op task."
        "\napp floor: a bare Flask + SQLAlchemy app (floor_app.py): one row inserted, a"
        "\n  no-op task sent; served in-process like the service, the same test client."
        "\nlive: the bench process produces (send_task / POST through the test client, one"
        "\n  thread) while the workers consume, on the same CPUs; items/s from the first"
        "\n  send to the last completion (orders: the status change to ready); produced/s"
        "\n  is the producer alone; p50/p99 from creation (created_at) or send to"
        "\n  completion; CPU per item."
        "\nbacklog: the same count queued with the workers stopped, then worked; items/s"
        "\n  from the first to the last completion, counting the items completed after"
        "\n  the first: the workers alone, no producer; CPU per item from then on."
        "\npipeline: its end waits for the broker's queue to drain too (tasks for orders"
        "\n  another task took along), and its worker CPU counts them."
        "\nAll runs: same worker options, same Redis database, warmed up, same clocks."
    )
    print("\npeak RSS per worker process (VmHWM), live run then backlog run:")
    for label, run in runs:
        for role in ("main", "pool child"):
            peaks = [f"{p['peak_rss_mb']:.1f}" for p in run["processes"] if p["role"] == role]
            print(f"  {label:11}{role:11}{', '.join(peaks)} MB")

    print(
        f"\npipeline/app floor, live:     {pipeline['per_s']:7.1f} / {live_floor['per_s']:7.1f}"
        f" = {ratio:.3f}  (target >= {TARGET_RATIO})  {verdict}"
        f"\n  the same {options.orders} orders: app floor {live_floor['seconds']:.2f} s,"
        f" pipeline {pipeline['seconds']:.2f} s"
    )
    print(
        f"pipeline/task floor, backlog: {pipeline['backlog_per_s']:7.1f} /"
        f" {floor['backlog_per_s']:7.1f} = {backlog_ratio:.3f}  (the workers alone)"
        f"  {backlog_verdict}"
    )
    print(
        f"peak RSS of a pipeline worker process: {peak:.1f} MB"
        f"  (target < {TARGET_RSS_MB} MB)  {memory_verdict}"
    )
    load_after = os.getloadavg()[0]
    if load_before > 0.5:
        print(f"note: the machine was already busy (load {load_before:.2f}); figures are noisy")
    path = write_results(
        "pipeline",
        {
            "settings": {
                "orders": options.orders,
                "tasks": options.tasks,
                "warmup": WARMUP,
                "worker_args": WORKER_ARGS,
                "broker": BROKER_URL,
                "producer": "the bench process, one thread: send_task / Flask test client",
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "load_1min_before": round(load_before, 2),
                "load_1min_after": round(load_after, 2),
            },
            "task_floor": floor,
            "app_floor": live_floor,
            "pipeline": pipeline,
            "ratio": round(ratio, 4),  # live, against the app floor
            "ratio_target": TARGET_RATIO,
            "verdict": verdict,
            "backlog_ratio": round(backlog_ratio, 4),  # against the task floor
            "backlog_verdict": backlog_verdict,
            "peak_rss_mb": round(peak, 1),
            "rss_target_mb": TARGET_RSS_MB,
            "rss_verdict": memory_verdict,
        },
    )
    print(f"results in {path.relative_to(ROOT)}")
    # The live ratio is the pipeline's own figure; the backlog ratio says where it goes.
    return 0 if verdict == memory_verdict == "PASS" else 2


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchFailed as failure:
        sys.exit(f"bench/pipeline FAILED: {failure}")
