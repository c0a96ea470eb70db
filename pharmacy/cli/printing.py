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


def _pharmacist(session, username: str | None):
    from pharmacy.models import User

    if username is None:
        return None
    user = session.query(User).filter_by(username=username, active=True).one_or_none()
    if user is None or user.role != "pharmacist":
        fail(f"--pharmacist {username!r} is not an active pharmacist")
    return user


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
    from pharmacy.labels import LabelDoesNotFit, render_labels
    from pharmacy.services.counter import printing

    with working_app() as app:
        session = database.session
        try:
            order = printing.printable(session, rx_number)
            # The verifying pharmacist's initials, as the dashboard prints them, unless
            # --pharmacist names another; before verification, a blank to initial.
            initialling = _pharmacist(session, pharmacist) or printing.verifier(session, order.id)
            facts = printing.label_facts(order, app.config, pharmacy_today(app.config), initialling)
            pdf = render_labels(facts, stock)
        except (ServiceError, LabelDoesNotFit, TemplateError) as error:
            fail(getattr(error, "message", str(error)))
        printing.record_print(session, SYSTEM, "label", [order], stock=stock)
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
    from pharmacy.labels import LabelDoesNotFit, render_receipt
    from pharmacy.services.counter import printing

    with working_app() as app:
        session = database.session
        try:
            order = printing.printable(session, rx_number)
            facts = printing.receipt_facts(order, app.config, pharmacy_today(app.config))
            pdf = render_receipt(facts, stock)
        except (ServiceError, LabelDoesNotFit, TemplateError) as error:
            fail(getattr(error, "message", str(error)))
        printing.record_print(session, SYSTEM, "receipt", [order], stock=stock)
    _write(output, pdf, f"the receipt of Rx {rx_number}")


@print_group.command("batch")
@click.option("-o", "--output", required=True, help="The PDF file to write.")
@click.option("--stock", default="letter-sheet-2x4", show_default=True)
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="Default: today.")
def print_batch(output: str, stock: str, day) -> None:
    """Every label of the orders that became ready on a day and are still ready, in
    queue order, in one PDF."""
    from pharmacy.labels import LabelDoesNotFit, render_labels
    from pharmacy.services.counter import printing

    with working_app() as app:
        today = pharmacy_today(app.config)
        session = database.session
        orders = printing.ready_on(
            session, day.date() if day else today, str(app.config["PHARMACY_TIMEZONE"])
        )
        if not orders:
            fail("no orders became ready that day and are still ready")
        # A label that cannot be printed complete holds back only itself: the others are
        # printed, and it is named with the reason.
        printed, refused = [], []
        for order in orders:
            facts = printing.label_facts(order, app.config, today)
            try:
                render_labels(facts, stock)
            except LabelDoesNotFit as error:
                refused.append((order, str(error)))
            except TemplateError as error:
                fail(str(error))
            else:
                printed.append((order, facts))
        if printed:
            pdf = render_labels([facts for _, facts in printed], stock)
            orders_printed = [order for order, _ in printed]
            printing.record_print(session, SYSTEM, "label", orders_printed, stock=stock, batch=True)
    if printed:
        _write(output, pdf, f"{len(printed)} labels")
    for order, reason in refused:
        click.echo(f"not printed: Rx {order.rx_number}: {reason}", err=True)
    if refused:
        raise SystemExit(1 if not printed else 3)
