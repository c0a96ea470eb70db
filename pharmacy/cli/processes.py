"""Long-running processes: the web app, workers, beat, and the demo that runs them."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys

import click

from pharmacy.config import instance_path
from pharmacy.extensions import database

from . import load_demo_data, main, print_demo, upgrade_and_load_defaults, working_app


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """The web app (API and dashboard) under gunicorn."""
    _shared_secret_key()
    os.execvp(sys.executable, _gunicorn_command(host, port, workers))


def _shared_secret_key() -> None:
    """Every gunicorn worker must sign dashboard sessions with the same key, or a login
    made by one worker is refused by the next. Without SECRET_KEY, one is made for this
    run (sessions end when the server stops); production sets its own."""
    if not os.environ.get("SECRET_KEY"):
        click.echo("SECRET_KEY is not set: dashboard sessions last until this server stops")
        os.environ["SECRET_KEY"] = secrets.token_hex(32)


def _gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        # No access log of gunicorn's: the app logs every request once, as JSON, where a
        # CR, LF or NUL in the path is escaped and cannot forge a line of its own.
        "pharmacy:create_app()",
    ]


def _celery_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "workers.app:celery_app", *args]


@main.command()
@click.option("--concurrency", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--queues",
    default="celery",
    show_default=True,
    help="Comma-separated: celery (the pharmacy's work), webhooks (clinics' webhooks).",
)
def worker(concurrency: int, queues: str) -> None:
    """A Celery worker for the configured broker."""
    os.execvp(
        sys.executable,
        _celery_command(
            "worker", "--loglevel", "INFO", "--concurrency", str(concurrency), "--queues", queues
        ),
    )


@main.command()
def beat() -> None:
    """The scheduler of periodic work; run one per deployment."""
    os.execvp(
        sys.executable, _celery_command("beat", "--loglevel", "INFO", "--schedule", _schedule())
    )


def _stage_demo_queue() -> None:
    """The demo's day in progress: every order worked, some compounded, verified,
    dispensed, so the dashboard opens on a populated queue."""
    from pharmacy.cli.demo_queue import stage_demo_queue
    from pharmacy.clock import pharmacy_today

    with working_app() as app:
        staged = stage_demo_queue(database.session, pharmacy_today(app.config))
    states = ", ".join(f"{number} {status}" for status, number in staged.by_status.items())
    click.echo(f"Demo queue: {staged.orders} orders ({states})")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _schedule() -> str:
    """Beat's own bookkeeping file, kept in the instance folder."""
    return os.path.join(instance_path(), "celerybeat-schedule")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def demo(host: str, port: int) -> None:
    """Upgrade, load the demo data on a new database, then serve and work together."""
    from pharmacy.cli.demo import new_api_key
    from pharmacy.models import Clinic

    upgrade_and_load_defaults(echo=False)
    with working_app():
        is_new = database.session.query(Clinic.id).first() is None
    if is_new:
        print_demo(load_demo_data())
        _stage_demo_queue()
    else:
        with working_app():
            click.echo("Demo clinic API key (new for this start):")
            click.echo(new_api_key(database.session))
    click.echo(f"\nDashboard: http://{host}:{port}/   (sign in with a staff login above)")
    click.echo(f"API: http://{host}:{port}/api/v1/openapi.json   (Ctrl-C stops everything)\n")
    # One worker with beat inside it: the outbox sweep runs on the embedded default too.
    schedule = _schedule()
    worker_process = subprocess.Popen(
        _celery_command(
            "worker",
            "--beat",
            "--schedule",
            schedule,
            "--loglevel",
            "WARNING",
            "--concurrency",
            "1",
        )
    )
    # Clinics' webhooks on a worker of their own: a slow receiver never holds up an order.
    webhook_process = subprocess.Popen(
        _celery_command(
            "worker",
            "--queues",
            "webhooks",
            "--hostname",
            "webhooks@%h",
            "--loglevel",
            "WARNING",
            "--concurrency",
            "1",
        )
    )
    _shared_secret_key()
    web = subprocess.Popen(_gunicorn_command(host, port, 2))
    # A service manager or `kill` stops the demo with SIGTERM: the web server and the
    # worker are stopped with it, as with Ctrl-C, never left running on their own.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    try:
        web.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in (web, worker_process, webhook_process):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (web, worker_process, webhook_process):
            process.wait(timeout=30)
