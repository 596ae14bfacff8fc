"""Fixtures for the desktop end-to-end tests.

Run through `make test-e2e`, which builds the debug binary and runs pytest inside scripts/test-env.sh
(Xvfb + a private D-Bus session + a throwaway keyring). Each test gets a fresh app window driven over
WebDriver by tauri-driver + WebKitWebDriver, on a data folder of its own (D365DESK_HOME), so no test sees
another's connections whatever the order; it leaves a screenshot at target/e2e-screenshots/<test>.png.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import secretstorage
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.remote_connection import RemoteConnection

from harness import REPO, SCREENSHOTS
from window_helpers import screenshot

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
# starts before a test's sandbox, so the account and the decision are read from the test's own file when it
# runs (D365DESK_SIGNIN_CONFIG, set for each app the test starts).
def _browser_script(folder: Path) -> Path:
    script = folder / "browser.sh"
    chromium = REPO / "tests" / "browser" / "chromium_sign_in.py"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{chromium}" "$@" >>"{LOGS / "browser.log"}" 2>&1\n')
    script.chmod(0o755)
    return script


@pytest.fixture
def signin_config_file(tmp_path: Path) -> Path:
    return tmp_path / "signin.json"


@pytest.fixture
def signin_config(signin_config_file: Path) -> Callable[..., None]:
    """Sets what the next sign-in in the browser does: the sandbox's account, and accept, cancel, ignore or
    accept-when-told (see tests/browser/chromium_sign_in.py)."""

    def configure(sandbox: dict[str, str], decision: str = "accept", screenshot: str = "", **more: str) -> None:
        signin_config_file.write_text(json.dumps({
            "username": sandbox["username"], "password": sandbox["password"],
            "decision": decision, "screenshot": screenshot, **more,
        }))

    return configure


@pytest.fixture(scope="session")
def tauri_driver() -> Iterator[str]:
    """A tauri-driver on free loopback ports, stopped (with its WebKitWebDriver) after the session."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / "tauri-driver.log"
    port, native_port = _free_port(), _free_port()
    env = dict(os.environ)
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


def app_processes(home: Path, binary: Path) -> list[int]:
    """The ids of the running app processes (the binary itself, not the browsers it opened) that keep their
    data in `home`: their environment says D365DESK_HOME=home."""
    marker = f"D365DESK_HOME={home}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            # A binary rebuilt while it runs reads "<path> (deleted)".
            if os.readlink(proc / "exe").removesuffix(" (deleted)") != str(binary.resolve()):
                continue
            if marker in (proc / "environ").read_bytes().split(b"\0"):
                found.append(int(proc.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


class Apps:
    """Starts the app in a real window, each time a new process on the test's own data folder (D365DESK_HOME),
    with extra environment for that process only. `quit` closes one and waits until its process is gone, so
    that the next `start` is a real restart on the same data."""

    def __init__(self, request: pytest.FixtureRequest, tauri_driver: str, binary: Path, home: Path, scripts: Path,
                 signin_config: Path):
        self.request, self.tauri_driver, self.binary, self.home, self.scripts = request, tauri_driver, binary, home, scripts
        # The apps open sign-in pages in headless Chromium ($BROWSER), told what to do by the test's file.
        self.browser = {"BROWSER": str(_browser_script(scripts)), "D365DESK_SIGNIN_CONFIG": str(signin_config)}
        self.drivers: list[webdriver.Remote] = []
        self.closed: set[int] = set()

    def start(self, env: dict[str, str] | None = None) -> webdriver.Remote:
        # tauri-driver has no option for the app's environment: a script sets it, then becomes the app.
        # The webview's own storage (localStorage: remembered columns, console history) lives under
        # XDG_DATA_HOME: one per test's data folder, so no test opens a grid with another test's columns.
        # So do the remembered window size and place (XDG_CONFIG_HOME: a test that resized its window must
        # not shrink the next test's) and anything kept as state (XDG_STATE_HOME).
        exports = {"D365DESK_HOME": str(self.home), "XDG_DATA_HOME": str(self.home / "webview-data"),
                   "XDG_CONFIG_HOME": str(self.home / "config"), "XDG_STATE_HOME": str(self.home / "state"),
                   **self.browser, **(env or {})}
        script = self.scripts / f"app-{len(self.drivers)}.sh"
        script.write_text("#!/bin/sh\n" + "".join(f"export {k}={shlex.quote(v)}\n" for k, v in exports.items())
                          + f'exec {shlex.quote(str(self.binary))} "$@"\n')
        script.chmod(0o755)
        connection = RemoteConnection(client_config=ClientConfig(remote_server_addr=self.tauri_driver))
        driver = webdriver.Remote(command_executor=connection, options=TauriOptions(script))
        driver.implicitly_wait(0)
        self.drivers.append(driver)
        return driver

    def script(self, driver: webdriver.Remote) -> Path:
        """The script that started `driver`'s app: run it again for a second start with the same environment."""
        return self.scripts / f"app-{self.drivers.index(driver)}.sh"

    def quit(self, driver: webdriver.Remote) -> None:
        index = self.drivers.index(driver)
        self._screenshot(index)
        driver.quit()
        self.closed.add(index)
        deadline = time.monotonic() + 30
        while app_processes(self.home, self.binary):
            if time.monotonic() > deadline:
                raise AssertionError(f"the app on {self.home} did not exit after its session was closed")
            time.sleep(0.1)

    def _screenshot(self, index: int) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        suffix = f"-{index + 1}" if index else ""
        path = SCREENSHOTS / f"{self.request.node.name}{suffix}.png"
        try:
            screenshot(self.drivers[index], path)
        except WebDriverException:  # a page that runs no script any more: as it is
            self.drivers[index].get_screenshot_as_file(str(path))

    def close_all(self) -> None:
        for index, driver in enumerate(self.drivers):
            if index in self.closed:
                continue
            try:
                self._screenshot(index)
            except WebDriverException:
                pass  # the test's own failure is the one to report
            finally:
                driver.quit()


def _forget_secrets(home: Path) -> None:
    """Removes from the Secret Service every entry of the connections saved in `home`, whatever the test
    left there (a test that failed half-way included)."""
    try:
        ids = [p["id"] for p in json.loads((home / "profiles.json").read_text())["profiles"]]
    except (OSError, ValueError, KeyError, TypeError):
        return
    bus = secretstorage.dbus_init()
    try:
        for item in secretstorage.search_items(bus, {"service": "d365desk"}):
            if item.get_attributes().get("username", "").split("/")[0] in ids:
                item.delete()
    finally:
        bus.close()


@pytest.fixture
def app_home(tmp_path: Path) -> Iterator[Path]:
    """The test's own data folder (D365DESK_HOME): its profiles.json, its sandbox data. Nothing another test
    did is in it, and the keyring entries of its connections are removed afterwards."""
    home = tmp_path / "home"
    home.mkdir()
    yield home
    _forget_secrets(home)


@pytest.fixture
def apps(request: pytest.FixtureRequest, tauri_driver: str, app_binary: Path, app_home: Path,
         tmp_path: Path, signin_config_file: Path) -> Iterator[Apps]:
    """Starts app windows on the test's data folder; a screenshot of each is saved when it closes, pass or
    fail (<test>.png, then <test>-2.png ...)."""
    started = Apps(request, tauri_driver, app_binary, app_home, tmp_path, signin_config_file)
    try:
        yield started
    finally:
        started.close_all()


@pytest.fixture
def app(apps: Apps) -> webdriver.Remote:
    """The app in a real window, on the test's own data folder."""
    return apps.start()
