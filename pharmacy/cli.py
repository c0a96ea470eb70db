"""The `pharmacy` command (see the README for every sub-command)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click
from flask import Flask

from . import create_app
from .clock import pharmacy_today
from .extensions import database
from .services import SYSTEM, ServiceError


def _app() -> Flask:
    return create_app()


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.group()
def main() -> None:
    """Order and label service for compounded Low Dose Naltrexone."""


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema, then load default reference data where absent."""
    from .migrations import upgrade
    from .services.reference_data import load_defaults

    app = _app()
    upgrade(app.config["DATABASE_URL"])
    with app.app_context():
        for line in load_defaults(database.session):
            click.echo(f"added {line}")
    click.echo("database is up to date")


@main.command("load-demo")
def load_demo() -> None:
    """Add the demo clinic, staff, lots and sample orders."""
    _print_demo(_load_demo(_app()))


def _load_demo(app: Flask):
    from .services.demo import load_demo as load

    with app.app_context():
        return load(database.session, pharmacy_today(app.config))


def _print_demo(demo) -> None:
    click.echo("Staff logins (demo only):")
    for username, role, _, password in demo.users:
        click.echo(f"  {role:<11} {username:<12} password {password}")
    click.echo("Demo clinic API key (shown once):")
    click.echo(demo.api_key)


@main.command("create-user")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(["technician", "pharmacist", "admin"]))
@click.option("--full-name", default="")
def create_user(username: str, role: str, full_name: str) -> None:
    """Add a staff account; the password comes from PHARMACY_PASSWORD or a prompt."""
    from .services.users import create_user as create

    password = os.environ.get("PHARMACY_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    app = _app()
    with app.app_context():
        try:
            create(database.session, username, role, password, SYSTEM, full_name=full_name)
        except ServiceError as error:
            _fail(error.message)
    click.echo(f"created {role} {username}")


@main.command("create-api-key")
@click.option("--clinic", "clinic_name", required=True, help="Created if it does not exist.")
def create_api_key(clinic_name: str) -> None:
    """Make an API key for a clinic; the key is printed once, on the last line."""
    from .services import api_keys

    name = clinic_name.strip()
    if not name or len(name) > 200 or not name.isprintable():
        _fail("--clinic must be 1 to 200 printable characters")
    app = _app()
    with app.app_context():
        clinic = api_keys.clinic_named(database.session, name, create=True)
        key, plaintext = api_keys.create_api_key(database.session, clinic, SYSTEM)
        database.session.commit()
        click.echo(f"API key {key.prefix}… for clinic {clinic.name!r} (store it now):")
        click.echo(plaintext)


@main.command("revoke-api-key")
@click.argument("prefix")
def revoke_api_key(prefix: str) -> None:
    """Revoke the key that starts with PREFIX (the first 12 characters)."""
    from .services import api_keys

    app = _app()
    with app.app_context():
        try:
            api_keys.revoke_api_key(database.session, prefix, SYSTEM)
        except ServiceError as error:
            _fail(error.message)
        database.session.commit()
    click.echo(f"revoked {prefix}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """The web app (API and dashboard) under gunicorn."""
    os.execvp(sys.executable, _gunicorn_command(host, port, workers))


def _gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--access-logformat",
        '%(h)s "%(m)s %(U)s" %(s)s %(L)ss',  # no query strings
        "pharmacy:create_app()",
    ]


def _celery_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "workers.app:celery_app", *args]


@main.command()
@click.option("--concurrency", default=2, show_default=True, type=click.IntRange(1, 64))
def worker(concurrency: int) -> None:
    """A Celery worker for the configured broker."""
    os.execvp(
        sys.executable,
        _celery_command("worker", "--loglevel", "INFO", "--concurrency", str(concurrency)),
    )


@main.command()
def beat() -> None:
    """The scheduler of periodic work; run one per deployment."""
    schedule = os.path.join(_app().config["INSTANCE_PATH"], "celerybeat-schedule")
    os.execvp(sys.executable, _celery_command("beat", "--loglevel", "INFO", "--schedule", schedule))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def demo(host: str, port: int) -> None:
    """Upgrade, load the demo data on a new database, then serve and work together."""
    from .migrations import upgrade
    from .models import Clinic
    from .services.demo import new_api_key
    from .services.reference_data import load_defaults

    app = _app()
    os.makedirs(app.config["INSTANCE_PATH"], exist_ok=True)
    upgrade(app.config["DATABASE_URL"])
    with app.app_context():
        load_defaults(database.session)
        is_new = database.session.query(Clinic.id).first() is None
    if is_new:
        _print_demo(_load_demo(app))
    else:
        with app.app_context():
            click.echo("Demo clinic API key (new for this start):")
            click.echo(new_api_key(database.session))
    click.echo(f"\nAPI: http://{host}:{port}/api/v1/openapi.json   (Ctrl-C stops everything)\n")
    # One worker with beat inside it: the outbox sweep runs on the embedded default too.
    schedule = os.path.join(app.config["INSTANCE_PATH"], "celerybeat-schedule")
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
    web = subprocess.Popen(_gunicorn_command(host, port, 2))
    try:
        web.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in (web, worker_process):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (web, worker_process):
            process.wait(timeout=30)
