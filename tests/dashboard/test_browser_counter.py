"""The counter in a real browser (Debian's Chromium driven by Playwright, as
test_browser.py), against the app served on 127.0.0.1, on PostgreSQL.

A technician takes payment by card and hands a fill over with counseling declined, and
the receipt downloaded says what was paid and how; a fill is mailed with its tracking
number and its packing slip has no price; a payment is partly refunded and the receipt
shows the refund.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pharmacy.migrations import upgrade
from tests.support import counter as desk
from tests.support.browser import chromium, no_chromium, serving, status_of, windows
from tests.support.databases import fresh_postgresql_database, stocked_app
from tests.support.orders import Orders
from tests.support.pdf import flat, page_texts
from tests.support.staff import PASSWORD, created_staff

playwright_api = pytest.importorskip("playwright.sync_api")

TRACKING = "1Z999AA10123456784"

pytestmark = pytest.mark.skipif(no_chromium(), reason="Chromium is installed by bin/test (apt-get)")


@pytest.fixture(scope="module")
def pharmacy(tmp_path_factory):
    """(the server's address, the order builder working on the same database)."""
    folder = tmp_path_factory.mktemp("counter-browser")
    with fresh_postgresql_database() as url:
        upgrade(url)
        with stocked_app(url, folder) as app:
            orders = Orders(app, created_staff(app), patients="Counterbrowser")
            with serving(app) as address:
                yield address, orders


@pytest.fixture(scope="module")
def browser():
    with chromium(playwright_api) as browser:
        yield browser


@pytest.fixture
def sign_in(browser, pharmacy):
    """`sign_in(role)`: a browser window of its own (own cookies), logged in as the
    builder's account of that role."""
    server, orders = pharmacy
    with windows(browser, server) as open_window:
        yield lambda role: open_window(orders.staff[role].username, PASSWORD)


def download_text(page, button: str) -> tuple[str, str]:
    """The PDF a button downloads, read back: (its file name, its text)."""
    with page.expect_download() as downloading:
        page.click(button)
    download = downloading.value
    pdf = Path(download.path()).read_bytes()
    return download.suggested_filename, flat(" ".join(page_texts(pdf)))


def test_a_technician_takes_a_card_and_hands_over_with_counseling_declined(sign_in, pharmacy):
    server, orders = pharmacy
    rx = desk.verified(orders)
    price = desk.price(orders, rx)
    technician = sign_in("technician")
    technician.goto(f"{server}/orders/{rx}")
    assert technician.inner_text("#amount-due") == f"${price:,.2f}"

    # Handing it over unpaid is refused with what is due.
    technician.check("#dispense-counseling-declined")
    technician.click("#dispense")
    technician.wait_for_selector("text=take payment before handing it over")
    assert orders.status(rx) == "verified"

    technician.goto(f"{server}/orders/{rx}")
    technician.select_option("#payment-method", "card")
    technician.fill("#payment-last4", "4242")
    technician.fill("#payment-reference", "AUTH5521")
    technician.click("#take-payment")
    technician.wait_for_selector(f"text=Payment of ${price} taken for Rx {rx}.")
    assert technician.get_attribute("#due", "data-due") == "0.00"

    technician.check("#dispense-counseling-declined")
    technician.click("#dispense")
    technician.wait_for_selector(f"text=Rx {rx} dispensed.")
    assert status_of(technician) == "dispensed"
    assert technician.inner_text("#counseling").startswith("Declined")

    name, receipt = download_text(technician, "#print-receipt")
    assert name == f"receipt-{rx}.pdf"
    assert "Paid: Card ending 4242 (auth AUTH5521)" in receipt
    assert f"${price:,.2f}" in receipt
    assert f"Prescription medicine: eligible medical expense; Rx {rx}, dispensed" in receipt
    assert "Pharmacy NPI:" in receipt


def test_a_fill_is_shipped_with_its_tracking_number_and_a_packing_slip(sign_in, pharmacy):
    server, orders = pharmacy
    rx = desk.verified(orders, paid=True)
    technician = sign_in("technician")
    technician.goto(f"{server}/orders/{rx}")
    technician.fill("#tracking-number", TRACKING)
    technician.check("#ship-counseling-declined")
    technician.click("#ship")
    technician.wait_for_selector(f"text=Rx {rx} shipped.")
    assert status_of(technician) == "shipped"
    assert technician.inner_text("#tracking") == TRACKING

    name, slip = download_text(technician, "#print-packing-slip")
    assert name == f"packing-slip-{rx}.pdf"
    assert f"Rx {rx}" in slip and TRACKING in slip
    assert "Storage:" in slip
    assert "$" not in slip
    technician.reload()
    trail = technician.inner_text("#trail")
    assert "prescription.shipped" in trail and "packing_slip.printed" in trail


def test_a_payment_is_partly_refunded_and_the_receipt_shows_it(sign_in, pharmacy):
    server, orders = pharmacy
    rx = orders.dispensed(orders.ready())  # paid in cash at the counter
    technician = sign_in("technician")
    technician.goto(f"{server}/orders/{rx}")
    row = technician.locator("#payments tr.payment[data-kind=payment]")
    row.locator("summary", has_text="Refund").click()
    row.locator(".refund-form input[name=amount]").fill("3.50")
    reason = "Bottle size charged was larger than dispensed"
    row.locator(".refund-form textarea[name=reason]").fill(reason)
    row.locator("button", has_text="Give refund").click()
    technician.wait_for_selector("text=Refund of $3.50 given")
    technician.wait_for_selector("tr.payment[data-kind=refund]")
    assert "refunded $3.50" in technician.inner_text("#paid")

    _, receipt = download_text(technician, "#print-receipt")
    assert "Refunded to Cash" in receipt and "-$3.50" in receipt
    assert reason in receipt
    assert "Net paid" in receipt
