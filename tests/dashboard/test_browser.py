"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against the
app served by a real HTTP server on 127.0.0.1, on PostgreSQL, with the demo pharmacy.

A technician and a pharmacist take Ada Lovelace's ready order through compounding,
verification, the label (downloaded and read back) and dispensing; the technician's
attempt to verify is refused; a pharmacist overrides a held order with a reason.
"""

from __future__ import annotations

import importlib.util
import io
import re
from pathlib import Path

import pypdf
import pytest

from pharmacy import create_app
from pharmacy.cli.demo import load_demo
from pharmacy.cli.demo_queue import stage_demo_queue
from pharmacy.clock import pharmacy_today
from pharmacy.extensions import database
from pharmacy.migrations import upgrade
from pharmacy.services.reference.defaults import load_defaults
from tests.support.browser import chromium, no_chromium, serving, status_of, windows
from tests.support.databases import fresh_postgresql_database

playwright_api = pytest.importorskip("playwright.sync_api")

TECHNICIAN = ("tech", "amber-vial-tech-2026")
PHARMACIST = ("pharmacist", "verify-every-capsule")

pytestmark = pytest.mark.skipif(no_chromium(), reason="Chromium is installed by bin/test (apt-get)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    with fresh_postgresql_database() as url:
        upgrade(url)
        app = create_app(
            {"DATABASE_URL": url, "BROKER_URL": f"sqla+sqlite:///{folder / 'broker.sqlite'}"}
        )
        with app.app_context():
            session = database.session
            today = pharmacy_today(app.config)
            load_defaults(session)
            load_demo(session, today)
            stage_demo_queue(session, today)
        try:
            with serving(app) as address:
                yield address
        finally:
            database.bound(app).engine.dispose()


@pytest.fixture(scope="module")
def browser():
    with chromium(playwright_api) as browser:
        yield browser


@pytest.fixture
def sign_in(browser, server):
    """`sign_in(user)`: a browser window of its own (own cookies), logged in."""
    with windows(browser, server) as open_window:
        yield lambda user: open_window(*user)


def test_an_order_is_compounded_verified_labelled_and_dispensed(sign_in, server):
    technician = sign_in(TECHNICIAN)
    # Find the order as one would: type the name; htmx swaps in the results.
    technician.fill("#q", "lovel")
    technician.wait_for_url(re.compile(r"q=lovel"))
    row = technician.locator("#queue tbody tr")
    row.first.wait_for()
    assert row.count() == 1
    technician.click("#queue tbody tr .rx a")
    technician.wait_for_selector("#compounding")
    rx = re.search(r"/orders/(\d+)", technician.url).group(1)
    assert status_of(technician) == "ready"

    # Record the compounding: the actual amounts, the batch made, the capsule weights.
    for amount in technician.locator("#compounding input[name=amount]").all():
        if not amount.input_value():
            amount.fill(amount.get_attribute("data-planned"))
    batch = technician.get_attribute("#quantity_made", "placeholder").split()[-1]
    technician.fill("#quantity_made", batch)
    for box, weight in zip(
        technician.locator("input[name=capsule_weight]").all(),
        ["119.9", "120.4", "121.0", "119.1", "120.2"],
        strict=False,
    ):
        box.fill(weight)
    technician.click("#compounding button[type=submit]")
    technician.wait_for_selector("text=Compounding recorded")
    assert status_of(technician) == "compounded"
    assert "capsule weight check passed" in technician.inner_text("#record")

    # The technician has no Verify button, and a verification posted anyway is refused.
    assert technician.locator("#verify").count() == 0
    with technician.expect_response(lambda r: r.url.endswith(f"/orders/{rx}/verify")) as sent:
        technician.evaluate(
            """(rx) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = `/orders/${rx}/verify`;
                const token = document.createElement("input");
                token.name = "csrf_token";
                token.value = document.querySelector('meta[name="csrf-token"]').content;
                form.appendChild(token);
                document.body.appendChild(form);
                form.submit();
            }""",
            rx,
        )
    assert sent.value.status == 403
    technician.wait_for_selector("text=Not allowed")
    assert "Only a pharmacist may verify" in technician.inner_text("main")
    technician.goto(f"{server}/orders/{rx}")
    assert status_of(technician) == "compounded"

    # Another person, a pharmacist, verifies and prints the label.
    pharmacist = sign_in(PHARMACIST)
    pharmacist.goto(f"{server}/orders/{rx}")
    pharmacist.click("#verify")
    pharmacist.wait_for_selector("text=verified: it may be labelled")
    assert status_of(pharmacist) == "verified"
    with pharmacist.expect_download() as downloading:
        pharmacist.click("#print-label")
    download = downloading.value
    assert download.suggested_filename == f"label-{rx}.pdf"
    pdf = Path(download.path()).read_bytes()
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    assert "Ada Lovelace" in text
    assert f"Rx {rx}" in text
    assert "Naltrexone HCl 1.5 mg capsule" in text
    assert "Take 1 capsule (1.5 mg) by mouth at bedtime" in text
    assert "RPh: PP" in text  # Pat Pharmacist, who verified

    # Back at the counter, the technician takes the payment and dispenses it; the patient
    # declines the offer to counsel.
    technician.goto(f"{server}/orders/{rx}")
    technician.click("#take-payment")
    technician.wait_for_selector("text=Payment of")
    technician.check("#dispense-counseling-declined")
    technician.click("#dispense")
    technician.wait_for_selector(f"text=Rx {rx} dispensed.")
    assert status_of(technician) == "dispensed"
    trail = technician.inner_text("#trail")
    for event in (
        "prescription.compounded",
        "prescription.verified",
        "label.printed",
        "prescription.dispensed",
    ):
        assert event in trail


def test_a_pharmacist_overrides_a_held_order_with_a_reason(sign_in):
    pharmacist = sign_in(PHARMACIST)
    held = pharmacist.locator("#queue tr.held")
    assert held.count() >= 1  # alerts first: the held orders lead the queue
    first_row = pharmacist.locator("#queue tbody tr").first
    assert "held" in first_row.get_attribute("class")
    first_row.locator(".rx a").click()
    pharmacist.wait_for_selector("#alerts")
    assert status_of(pharmacist) == "on_hold"
    assert "hard stop" in pharmacist.inner_text("#alerts").lower()

    reason = "Spoke with Dr Example: opioid stopped last month, patient confirmed by phone"
    pharmacist.fill("#override-reason", reason)
    pharmacist.click("button#override")
    pharmacist.wait_for_selector("text=Hold overridden")
    assert status_of(pharmacist) == "ready"
    alerts = pharmacist.inner_text("#alerts")
    assert "overridden" in alerts.lower() and reason in alerts


def test_the_readme_screenshots_are_made_from_the_demo(browser, tmp_path):
    """docs/dashboard/screenshots.py keeps working: it is re-run from the demo data."""
    script = Path(__file__).resolve().parents[2] / "docs" / "dashboard" / "screenshots.py"
    spec = importlib.util.spec_from_file_location("dashboard_screenshots", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = module.main(tmp_path, browser)
    assert [path.name for path in made] == ["queue.png", "order.png"]
    assert all(path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for path in made)
    assert all(path.stat().st_size > 50_000 for path in made)
