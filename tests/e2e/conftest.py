"""Fixtures for the desktop end-to-end tests.

Run through `make test-e2e`, which builds the debug binary and runs pytest inside scripts/test-env.sh
(Xvfb + a private D-Bus session + a throwaway keyring). Each test gets a fresh app window driven over
WebDriver by tauri-driver + WebKitWebDriver, and leaves a screenshot at target/e2e-screenshots/<test>.png.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.remote_connection import RemoteConnection

from harness import REPO, SCREENSHOTS

LOGS = REPO / "target" / "e2e-logs"


class TauriOptions(ArgOptions):
    """WebDriver capabilities that make tauri-driver start our binary in a real window."""

    def __init__(self, application: Path) -> None:
        super().__init__()
        self.set_capability("tauri:options", {"application": str(application)})

    @property
    def default_capabilities(self) -> dict[str, str]:
        return {"browserName": "wry"}

    def to_capabilities(self) -> dict:
        caps = super().to_capabilities()
        caps.pop("goog:chromeOptions", None)
        return caps


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tauri-driver exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{url}/status", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"tauri-driver did not answer at {url}/status within {timeout} s; see {log}")


@pytest.fixture(scope="session")
def app_binary() -> Path:
    path = Path(os.environ.get("D365DESK_APP_BINARY", REPO / "target" / "debug" / "d365-desk"))
    if not path.is_file():
        pytest.fail(f"the app binary {path} is missing: run `make build` (make test-e2e does)")
    return path


# The app's "system browser": headless Chromium completing the sandbox's sign-in as a person would. The app
# starts before a test's sandbox, so the account and the decision are read from this file when it runs.
SIGNIN_CONFIG = LOGS / "signin.json"


def _browser_script() -> Path:
    script = LOGS / "browser.sh"
    chromium = REPO / "tests" / "browser" / "chromium_sign_in.py"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{chromium}" "$@" >>"{LOGS / "browser.log"}" 2>&1\n')
    script.chmod(0o755)
    return script


@pytest.fixture
def signin_config() -> Iterator[Callable[..., None]]:
    """Sets what the next sign-in in the browser does: the sandbox's account, accept or cancel."""

    def configure(sandbox: dict[str, str], decision: str = "accept", screenshot: str = "") -> None:
        SIGNIN_CONFIG.write_text(json.dumps({
            "username": sandbox["username"], "password": sandbox["password"],
            "decision": decision, "screenshot": screenshot,
        }))

    yield configure
    SIGNIN_CONFIG.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def tauri_driver() -> Iterator[str]:
    """A tauri-driver on free loopback ports, stopped (with its WebKitWebDriver) after the session. The apps
    it starts open sign-in pages in headless Chromium ($BROWSER)."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / "tauri-driver.log"
    port, native_port = _free_port(), _free_port()
    env = {**os.environ, "BROWSER": str(_browser_script()), "D365DESK_SIGNIN_CONFIG": str(SIGNIN_CONFIG)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["tauri-driver", "--port", str(port), "--native-port", str(native_port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def app(request: pytest.FixtureRequest, tauri_driver: str, app_binary: Path) -> Iterator[webdriver.Remote]:
    """The app in a real window; a screenshot of it is saved when the test ends, pass or fail."""
    connection = RemoteConnection(client_config=ClientConfig(remote_server_addr=tauri_driver))
    driver = webdriver.Remote(command_executor=connection, options=TauriOptions(app_binary))
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        try:
            driver.get_screenshot_as_file(str(SCREENSHOTS / f"{request.node.name}.png"))
        finally:
            driver.quit()
