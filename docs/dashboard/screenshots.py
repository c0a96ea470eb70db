"""Screenshots of the dashboard from the demo pharmacy, for the README.

Run from the checkout: `.venv/bin/python docs/dashboard/screenshots.py` (needs Debian's
Chromium at /usr/bin/chromium and Playwright in the virtualenv). It makes a throwaway
embedded database, loads the demo pharmacy and its day in progress
(`services.demo_queue`), serves the app on a free loopback port, signs in as the demo
pharmacist and saves queue.png and order.png here.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from pharmacy import create_app  # noqa: E402
from pharmacy.cli.demo import load_demo  # noqa: E402
from pharmacy.cli.demo_queue import stage_demo_queue  # noqa: E402
from pharmacy.clock import pharmacy_today  # noqa: E402
from pharmacy.extensions import database  # noqa: E402
from pharmacy.migrations import upgrade  # noqa: E402
from pharmacy.services.reference.defaults import load_defaults  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1440, "height": 900}


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # query strings may hold names
        pass


@contextmanager
def demo_server(scratch: str):
    url = f"sqlite:///{scratch}/demo.sqlite"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "BROKER_URL": f"sqla+sqlite:///{scratch}/broker"})
    with app.app_context():
        session = database.session
        today = pharmacy_today(app.config)
        load_defaults(session)
        load_demo(session, today)
        stage_demo_queue(session, today)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join()
        database.bound(app).engine.dispose()


def shoot(browser, base: str, folder: Path) -> list[Path]:
    """Sign in as the demo pharmacist; the queue, then the first held order."""
    made = []
    page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
    try:
        page.goto(f"{base}/login")
        page.fill("#username", "pharmacist")
        page.fill("#password", "verify-every-capsule")
        page.click("button[type=submit]")
        page.wait_for_selector("#queue")
        made.append(folder / "queue.png")
        page.screenshot(path=str(made[-1]), full_page=True)
        # The held order: alerts, the override form, the worksheet and price.
        page.click("tr.held .rx a")
        page.wait_for_selector("#worksheet")
        made.append(folder / "order.png")
        page.screenshot(path=str(made[-1]), full_page=True)
    finally:
        page.close()
    return made


def main(folder: Path = HERE, browser=None) -> list[Path]:
    """The screenshots, with `browser` (a Playwright Chromium) or one started here."""
    with tempfile.TemporaryDirectory() as scratch, demo_server(scratch) as base:
        if browser is not None:
            return shoot(browser, base, folder)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                return shoot(chromium, base, folder)
            finally:
                chromium.close()


if __name__ == "__main__":
    for path in main():
        print(f"wrote {path}")
