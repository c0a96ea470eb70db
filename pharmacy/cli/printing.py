"""`pharmacy print`: labels and receipts as PDF."""

from __future__ import annotations

import click

from label_templates import TemplateError
from pharmacy.clock import pharmacy_today
from pharmacy.extensions import database
from pharmacy.services import SYSTEM, ServiceError

from . import fail, main, working_app


@main.group("print")
def print_group() -> None:
    """Labels and receipts as PDF, for orders that have been worked (ready or later)."""


def _write(output: str, pdf: bytes, what: str) -> None:
    with open(output, "wb") as file:
        file.write(pdf)
    click.echo(f"wrote {what} to {output}")


@print_group.command("label")
@click.argument("rx_number")
@click.option("-o", "--output", required=True, help="The PDF file to write.")
@click.option(
    "--stock", default="thermal-4x2", show_default=True, help="A label stock in label_templates/."
)
@click.option("--pharmacist", help="Username whose initials the label carries.")
def print_label(rx_number: str, output: str, stock: str, pharmacist: str | None) -> None:
    """The prescription label of RX_NUMBER."""
    from pharmacy.services.counter import printing

    with working_app() as app:
        try:
            # The verifying pharmacist's initials, as the dashboard prints them, unless
            # --pharmacist names another; before verification, a blank to initial.
            pdf = printing.print_label(
                database.session,
                SYSTEM,
                rx_number,
                app.config,
                pharmacy_today(app.config),
                stock=stock,
                initialled_by=pharmacist,
            )
        except printing.NotAPharmacist as error:
            fail(f"--pharmacist {error.username!r} is not an active pharmacist")
        except (ServiceError, TemplateError) as error:
            fail(getattr(error, "message", str(error)))
    _write(output, pdf, f"the label of Rx {rx_number}")


@print_group.command("receipt")
@click.argument("rx_number")
@click.option("-o", "--output", required=True, help="The PDF file to write.")
@click.option(
    "--stock",
    default="receipt-letter",
    show_default=True,
    help="receipt-letter or receipt-80mm, or a stock of your own.",
)
def print_receipt(rx_number: str, output: str, stock: str) -> None:
    """The receipt of RX_NUMBER: every price line and the total."""
    from pharmacy.services.counter import printing

    with working_app() as app:
        try:
            pdf = printing.print_receipt(
                database.session,
                SYSTEM,
                rx_number,
                app.config,
                pharmacy_today(app.config),
                stock=stock,
            )
        except (ServiceError, TemplateError) as error:
            fail(getattr(error, "message", str(error)))
    _write(output, pdf, f"the receipt of Rx {rx_number}")


@print_group.command("batch")
@click.option("-o", "--output", required=True, help="The PDF file to write.")
@click.option("--stock", default="letter-sheet-2x4", show_default=True)
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="Default: today.")
def print_batch(output: str, stock: str, day) -> None:
    """Every label of the orders that became ready on a day and are still ready, in
    queue order, in one PDF."""
    from pharmacy.services.counter import printing

    with working_app() as app:
        today = pharmacy_today(app.config)
        try:
            batch = printing.print_ready_labels(
                database.session,
                SYSTEM,
                day.date() if day else today,
                app.config,
                today,
                stock=stock,
            )
        except TemplateError as error:
            fail(str(error))
    if not batch.printed and not batch.held_back:
        fail("no orders became ready that day and are still ready")
    # A label that cannot be printed complete holds back only itself: the others are
    # printed, and it is named with the reason.
    if batch.pdf is not None:
        _write(output, batch.pdf, f"{len(batch.printed)} labels")
    for rx_number, reason in batch.held_back:
        click.echo(f"not printed: Rx {rx_number}: {reason}", err=True)
    if batch.held_back:
        raise SystemExit(1 if not batch.printed else 3)
