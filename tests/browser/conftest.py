"""Fixtures for sign-in in a real browser: Debian's headless Chromium driven by chromedriver, and a
loopback listener standing in for the app's redirect URI."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

from harness import SCREENSHOTS


class Loopback:
    """What the app's loopback listener received: the query of each redirect."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.redirects: list[dict[str, str]] = []
        self.received = threading.Event()

    @property
    def redirect_uri(self) -> str:
        return f"http://localhost:{self.server.server_address[1]}/"


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    holder: dict[str, Loopback] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            url = urlparse(self.path)
            if url.path == "/":
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                holder["loopback"].redirects.append(query)
                holder["loopback"].received.set()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<!doctype html><title>Done</title><p id='done'>You can close this tab.</p>")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["loopback"] = Loopback(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder["loopback"]
    server.shutdown()
    server.server_close()


@pytest.fixture
def chromium(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[webdriver.Chrome]:
    """Headless Chromium; a screenshot is saved when the test ends, pass or fail."""
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not driver:
        pytest.fail("chromium and chromedriver are needed (Debian packages chromium, chromium-driver)")
    options = Options()
    options.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1000,800",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ):
        options.add_argument(arg)
    browser = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    try:
        yield browser
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        try:
            browser.save_screenshot(str(SCREENSHOTS / f"{request.node.name}.png"))
        finally:
            browser.quit()
