"""The service as the operator starts it: Redis of a test's own, `celery worker` and
`celery beat` as subprocesses of `celery -A workers.app:celery_app`, and the API
in-process against the same database and broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from pharmacy import create_app
from pharmacy.extensions import database
from tests.support.clinics import make_clinic
from tests.support.network import free_port
from tests.support.orders import submitted
from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
# Short enough that a lost message is sent again within a test's patience.
SWEEP_ENV = {"OUTBOX_SWEEP_INTERVAL_S": "1", "OUTBOX_REDELIVER_AFTER_S": "4"}


class RedisServer:
    """A redis-server of the test's own, so it can be flushed and restarted freely."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        wait_for(lambda: _pings(client), 10, "redis to start")
        client.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


class CeleryProcess:
    """`celery worker` or `celery beat` in its own process group (so a test can kill it
    and every child it forked)."""

    def __init__(self, env: dict[str, str], folder: Path, *args: str) -> None:
        self.command = [sys.executable, "-m", "celery", "-A", "workers.app:celery_app", *args]
        self.env = env
        self.log = open(folder / f"{args[0]}-{time.monotonic_ns()}.log", "w")  # noqa: SIM115
        self.process: subprocess.Popen | None = None

    def start(self) -> CeleryProcess:
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)
        self.log.close()


class Pharmacy:
    """The service wired to one database and one broker: the API app, and the
    workers and beat a test starts."""

    def __init__(self, database_url: str, broker_url: str, folder: Path) -> None:
        self.folder = folder
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "BROKER_URL": broker_url,
            "PHARMACY_INSTANCE": str(folder),
            "LOG_LEVEL": "WARNING",
            **SWEEP_ENV,
        }
        self.app = create_app(
            {
                "DATABASE_URL": database_url,
                "BROKER_URL": broker_url,
                "TESTING": True,
                "INSTANCE_PATH": str(folder),
            }
        )
        self.clinic = make_clinic(self.app)
        self.client = self.app.test_client()
        self.processes: list[CeleryProcess] = []

    def worker(self, concurrency: int = 2, database_url: str | None = None) -> CeleryProcess:
        env = {**self.env, "DATABASE_URL": database_url} if database_url else self.env
        process = CeleryProcess(
            env,
            self.folder,
            "worker",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"test-{time.monotonic_ns()}@%h",
        ).start()
        self.processes.append(process)
        return process

    def beat(self) -> CeleryProcess:
        schedule = self.folder / f"beat-{time.monotonic_ns()}"
        process = CeleryProcess(
            self.env, self.folder, "beat", "--loglevel", "WARNING", "--schedule", str(schedule)
        ).start()
        self.processes.append(process)
        return process

    def submit(self, body: dict) -> dict:
        return submitted(self.client, self.clinic, body)

    def show(self, prescription_id: str) -> dict:
        return self.client.get(
            f"/api/v1/prescriptions/{prescription_id}", headers=self.clinic.headers
        ).get_json()

    def session(self):
        return self.app.app_context()

    def close(self) -> None:
        for process in self.processes:
            process.stop()
        database.bound(self.app).engine.dispose()


def worked(pharmacy: Pharmacy, order_id: str) -> dict:
    """The order as the API shows it once a worker has worked it."""
    shown: dict = {}

    def done() -> bool:
        shown.update(pharmacy.show(order_id))
        return shown["status"] != "received"

    wait_for(done, 60, f"order {order_id} to be worked")
    return shown
