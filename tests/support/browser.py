"""The browser tests' bench: Debian's Chromium driven by Playwright, and an app served on
loopback for it to open."""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
from collections.abc import Iterator

from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = "/usr/bin/chromium"  # installed by bin/test with apt-get
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def no_chromium() -> bool:
    return shutil.which(CHROMIUM) is None


class QuietHandler(WSGIRequestHandler):
    """No access log: the queue's search (a patient's name) is in the query string."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """`app` served on a free loopback port, in a thread; its address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    http = make_server("127.0.0.1", port, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        http.shutdown()
        thread.join(timeout=10)


@contextlib.contextmanager
def chromium(playwright_api) -> Iterator:
    """Headless Chromium, for the module's windows."""
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@contextlib.contextmanager
def windows(browser, server: str) -> Iterator:
    """`open_window(username, password)`: a window of its own (own cookies) on `server`,
    signed in and on the queue; every window is closed on the way out."""
    contexts = []

    def open_window(username: str, password: str):
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1366, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{server}/")
        assert "/login" in page.url
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_selector("#queue")
        return page

    try:
        yield open_window
    finally:
        for context in contexts:
            context.close()


def status_of(page) -> str:
    """The order page's status, as its badge carries it."""
    return page.get_attribute("#status", "data-status")
