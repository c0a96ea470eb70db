"""The `pharmacy` command (see the README for every sub-command)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import click
from flask import Flask

from pharmacy import create_app
from pharmacy.clock import pharmacy_today
from pharmacy.database import make_engine
from pharmacy.extensions import database
from pharmacy.services import SYSTEM, ServiceError


@contextlib.contextmanager
def working_app() -> Iterator[Flask]:
    """The app, inside its context, with its database connections closed afterwards."""
    app = create_app()
    try:
        with app.app_context():
            yield app
    finally:
        database.bound(app).engine.dispose()


def fail(message: str) -> None:
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
    upgrade_and_load_defaults(echo=True)
    click.echo("database is up to date")


def upgrade_and_load_defaults(*, echo: bool) -> None:
    """Migrate as the owner (MIGRATION_DATABASE_URL, else DATABASE_URL); then, when
    APP_DATABASE_ROLE names the role the app connects as, grant it what it may do
    (`pharmacy.migrations.roles`)."""
    from pharmacy.migrations import upgrade
    from pharmacy.migrations.roles import grant_app_role
    from pharmacy.services.reference.defaults import load_defaults

    with working_app() as app:
        owner_url = app.config["MIGRATION_DATABASE_URL"] or app.config["DATABASE_URL"]
        upgrade(owner_url)
        role = app.config["APP_DATABASE_ROLE"]
        if role:
            engine = make_engine(owner_url)
            try:
                with engine.begin() as connection:
                    grant_app_role(connection, role)
            except ValueError as error:
                fail(str(error))
            finally:
                engine.dispose()
            if echo:
                click.echo(f"granted the app role {role} its rights")
        for line in load_defaults(database.session):
            if echo:
                click.echo(f"added {line}")


@main.command("load-demo")
def load_demo() -> None:
    """Add the demo clinic, staff, lots and sample orders."""
    print_demo(load_demo_data())


def load_demo_data():
    from pharmacy.cli.demo import load_demo as load

    with working_app() as app:
        return load(database.session, pharmacy_today(app.config))


def print_demo(demo) -> None:
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
    from pharmacy.services.admin.users import create_user as create

    password = os.environ.get("PHARMACY_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    with working_app():
        try:
            create(database.session, username, role, password, SYSTEM, full_name=full_name)
        except ServiceError as error:
            fail(error.message)
    click.echo(f"created {role} {username}")


@main.command("create-api-key")
@click.option("--clinic", "clinic_name", required=True, help="Created if it does not exist.")
def create_api_key(clinic_name: str) -> None:
    """Make an API key for a clinic; the key is printed once, on the last line."""
    from pharmacy.services.admin import api_keys

    name = clinic_name.strip()
    if not name or len(name) > 200 or not name.isprintable():
        fail("--clinic must be 1 to 200 printable characters")
    with working_app():
        clinic = api_keys.clinic_named(database.session, name, create=True)
        key, plaintext = api_keys.create_api_key(database.session, clinic, SYSTEM)
        click.echo(f"API key {key.prefix}… for clinic {clinic.name!r} (store it now):")
        click.echo(plaintext)


@main.command("revoke-api-key")
@click.argument("prefix")
def revoke_api_key(prefix: str) -> None:
    """Revoke the key that starts with PREFIX (the first 12 characters)."""
    from pharmacy.services.admin import api_keys

    with working_app():
        try:
            api_keys.revoke_api_key(database.session, prefix, SYSTEM)
        except ServiceError as error:
            fail(error.message)
    click.echo(f"revoked {prefix}")


from . import drug_data, printing, processes  # noqa: E402,F401  (their commands join `main`)
