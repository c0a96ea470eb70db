"""Printing worked orders from the database with `pharmacy print`, as an operator would."""

import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from pharmacy.cli import main
from pharmacy.domain.labeling import OPIOID_WARNING
from pharmacy.extensions import database
from pharmacy.models import AuditEvent
from pharmacy.services import worker as work
from tests.support.orders import URL, changed, submitted
from tests.support.pdf import decode_barcodes, flat, page_texts


@pytest.fixture
def submit(client, clinic, prescription):
    def submit_order(**patient) -> dict:
        last_name = f"Printpatient-{uuid.uuid4().hex[:6]}"
        return submitted(client, clinic, changed(prescription, last_name=last_name, **patient))

    return submit_order


@pytest.fixture
def work_order(app, today):
    """Work an order by calling the same service the Celery task calls."""

    def work_it(order: dict) -> None:
        with app.app_context():
            work.work_prescription(database.session, int(order["rx_number"]), today=today)

    return work_it


@pytest.fixture
def pharmacy_cli(app):
    def run(*args):
        return CliRunner().invoke(
            main, list(args), env={"DATABASE_URL": app.config["DATABASE_URL"]}
        )

    return run


def test_a_ready_order_prints_a_label_that_reads_back(
    submit, work_order, pharmacy_cli, tmp_path, app
):
    order = submit()
    work_order(order)
    out = tmp_path / "label.pdf"
    result = pharmacy_cli("print", "label", order["rx_number"], "-o", str(out))
    assert result.exit_code == 0, result.output
    [text] = page_texts(out.read_bytes())
    assert order["patient"]["last_name"] in text
    assert "Naltrexone HCl 1.5 mg capsule" in text
    assert "Take 1 capsule (1.5 mg) by mouth at bedtime" in text
    assert flat(OPIOID_WARNING) in text
    assert f"Rx {order['rx_number']}" in text
    assert decode_barcodes(out.read_bytes(), tmp_path) == [[order["rx_number"]]]
    with app.app_context():
        printed = database.session.scalars(
            select(AuditEvent.action).where(AuditEvent.prescription_id == int(order["rx_number"]))
        ).all()
    assert "label.printed" in printed


def test_the_receipt_shows_every_price_line_and_the_total(
    submit, work_order, pharmacy_cli, tmp_path, client, clinic
):
    order = submit()
    work_order(order)
    shown = client.get(f"{URL}/{order['id']}", headers=clinic.headers).get_json()
    out = tmp_path / "receipt.pdf"
    result = pharmacy_cli(
        "print", "receipt", order["rx_number"], "-o", str(out), "--stock", "receipt-80mm"
    )
    assert result.exit_code == 0, result.output
    text = " ".join(page_texts(out.read_bytes()))
    for line in shown["price"]["lines"]:
        assert line["amount"] in text
    assert shown["price"]["total"] in text


def test_an_order_not_yet_worked_is_refused_with_the_reason(submit, pharmacy_cli, tmp_path):
    order = submit()
    out = tmp_path / "label.pdf"
    result = pharmacy_cli("print", "label", order["rx_number"], "-o", str(out))
    assert result.exit_code != 0
    assert "has not been worked yet" in result.output
    assert not out.exists()


def test_an_order_on_hold_is_refused(submit, work_order, pharmacy_cli, tmp_path):
    order = submit(medications=["Percocet 5/325 every 6 hours"])
    work_order(order)
    for document in ("label", "receipt"):
        result = pharmacy_cli("print", document, order["rx_number"], "-o", str(tmp_path / "x.pdf"))
        assert result.exit_code != 0
        assert "on hold" in result.output


def test_an_unknown_rx_number_is_refused(pharmacy_cli, tmp_path):
    result = pharmacy_cli("print", "label", "999", "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code != 0
    assert "there is no Rx 999" in result.output


def test_the_batch_prints_todays_ready_orders_in_queue_order(
    submit, work_order, pharmacy_cli, tmp_path
):
    orders = [submit(), submit()]
    for order in orders:
        work_order(order)
    out = tmp_path / "batch.pdf"
    result = pharmacy_cli("print", "batch", "-o", str(out), "--stock", "thermal-4x2")
    assert result.exit_code == 0, result.output
    texts = page_texts(out.read_bytes())
    numbers = [next(w for w in t.split() if w.isdigit() and len(w) == 7) for t in texts]
    assert numbers == sorted(numbers)
    assert {o["rx_number"] for o in orders} <= set(numbers)


def test_a_label_that_cannot_print_holds_back_only_itself_in_the_batch(
    submit, work_order, pharmacy_cli, tmp_path
):
    good, bad = submit(), submit(first_name="Ada \U00013000")  # no font draws a hieroglyph
    for order in (good, bad):
        work_order(order)
    out = tmp_path / "batch.pdf"
    result = pharmacy_cli("print", "batch", "-o", str(out), "--stock", "thermal-4x2")
    assert result.exit_code == 3, result.output
    assert f"not printed: Rx {bad['rx_number']}" in result.output
    printed = " ".join(page_texts(out.read_bytes()))
    assert good["rx_number"] in printed and bad["rx_number"] not in printed


def test_an_unknown_stock_is_one_line_not_a_traceback(submit, work_order, pharmacy_cli, tmp_path):
    order = submit()
    work_order(order)
    result = pharmacy_cli(
        "print", "label", order["rx_number"], "-o", str(tmp_path / "x.pdf"), "--stock", "nosuch"
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    [line] = result.output.strip().splitlines()
    assert "no stock named 'nosuch'" in line and "known:" in line


def test_only_a_pharmacist_initials_a_label(app, submit, work_order, pharmacy_cli, tmp_path):
    from pharmacy.services import SYSTEM
    from pharmacy.services.admin.users import create_user

    order = submit()
    work_order(order)
    with app.app_context():
        admin = create_user(
            database.session, f"adm{uuid.uuid4().hex[:6]}", "admin", "keys-lots-and-prices", SYSTEM
        )
        name = admin.username
    result = pharmacy_cli(
        "print", "label", order["rx_number"], "-o", str(tmp_path / "x.pdf"), "--pharmacist", name
    )
    assert result.exit_code == 1
    assert "is not an active pharmacist" in result.output
