"""A $BROWSER for tests: opens the URL it is given in headless Chromium and completes the sandbox's
sign-in and consent (or cancels, with D365DESK_SIGNIN_DECISION=cancel), as a person would. The desktop tests
also leave the page alone (`ignore`), only read a page that is not a sign-in (`page`: what it shows goes
to the file `progress`), or wait at the consent page and accept only when told
(`accept-when-told`, with the files `progress` and `go` in the settings). With `prefilled` (a file) in the
settings, it writes there the user name the sign-in page came with.

The account and the decision come from SANDBOX_USERNAME, SANDBOX_PASSWORD and D365DESK_SIGNIN_DECISION, or
from the JSON file D365DESK_SIGNIN_CONFIG names (the desktop tests: the app is started before the test's
sandbox, so its $BROWSER reads them when it runs). With `--device-code CODE`, the URL is the device-login
page and the code is entered first."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait


def _settings() -> dict[str, str]:
    config = os.environ.get("D365DESK_SIGNIN_CONFIG")
    if config and Path(config).is_file():
        return json.loads(Path(config).read_text())
    return {
        "username": os.environ["SANDBOX_USERNAME"],
        "password": os.environ["SANDBOX_PASSWORD"],
        "decision": os.environ.get("D365DESK_SIGNIN_DECISION", "accept"),
        "screenshot": os.environ.get("D365DESK_SCREENSHOT", ""),
    }


def _until_listener_closes(authorize_url: str, timeout: float) -> bool:
    """Waits until nothing listens at the authorize URL's redirect URI any more (the sign-in was cancelled or
    gave up), at most `timeout` seconds; False if it is still listening then."""
    redirect = parse_qs(urlparse(authorize_url).query).get("redirect_uri", [""])[0]
    port = urlparse(redirect).port
    if port is None:
        print(f"no loopback redirect URI in {authorize_url}", file=sys.stderr)
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            # An empty connection: the listener ignores it and keeps waiting for the real callback.
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
        except OSError:
            return True
        time.sleep(0.2)
    print(f"the sign-in's listener on port {port} was still open after {timeout} s", file=sys.stderr)
    return False


def _tell(settings: dict[str, str], state: dict[str, object]) -> None:
    Path(settings["progress"]).write_text(json.dumps(state))


def _accept_when_told(browser: webdriver.Chrome, authorize_url: str, settings: dict[str, str]) -> int:
    """A person who waits at the consent page (the test cancels in the app meanwhile), then accepts anyway
    once the file `go` exists. `progress` says where they are: at the consent page, then whether accepting
    landed on the app's page (the app was still listening) and where the browser ended up."""
    _tell(settings, {"at": "consent"})
    deadline = time.monotonic() + 120
    while not Path(settings["go"]).exists():
        if time.monotonic() > deadline:
            _tell(settings, {"at": "consent", "error": "never told to accept"})
            return 1
        time.sleep(0.2)
    browser.find_element(By.ID, "idSIButton9").click()
    # The redirect lands on the app's page, or on Chromium's error page when nothing listens any more (the
    # address stays the redirect URI's).
    redirect = parse_qs(urlparse(authorize_url).query).get("redirect_uri", [""])[0]
    try:
        WebDriverWait(browser, 30).until(
            lambda b: b.current_url.startswith(redirect) and b.execute_script("return document.readyState") == "complete")
    except TimeoutException:
        _tell(settings, {"at": "consent", "error": f"accepting led nowhere: {browser.current_url}"})
        return 1
    landed = bool(browser.find_elements(By.ID, "message"))
    _tell(settings, {"at": "done", "landed": landed, "url": browser.current_url})
    return 0


def main(url: str, device_code: str | None = None) -> int:
    settings = _settings()
    options = Options()
    options.binary_location = shutil.which("chromium") or "chromium"
    profile = tempfile.mkdtemp(prefix="d365desk-chromium-")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={profile}"):
        options.add_argument(arg)
    browser = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver") or "chromedriver"), options=options)
    try:
        wait = WebDriverWait(browser, 30)
        browser.get(url)
        if settings.get("decision") == "page":
            # A page that is not a sign-in (the app's "Open in Dynamics 365"): what it shows, for the test.
            heading = wait.until(ec.visibility_of_element_located((By.TAG_NAME, "h1")))
            _tell(settings, {"at": "page", "url": browser.current_url, "title": heading.text,
                             "text": browser.find_element(By.TAG_NAME, "body").text})
            return 0
        if settings.get("decision") == "ignore":
            # A person who leaves the page alone (the app's own Cancel is under test): the page stays open
            # until the app stops waiting, which closes its loopback listener.
            return 0 if _until_listener_closes(url, timeout=120) else 1
        if device_code:
            wait.until(ec.visibility_of_element_located((By.ID, "otc"))).send_keys(device_code)
            browser.find_element(By.ID, "idSIButton9").click()
        user = wait.until(ec.visibility_of_element_located((By.ID, "i0116")))
        if settings.get("prefilled"):
            # What the page came with in the user name, for the test to check (`prefilled`: a file).
            Path(settings["prefilled"]).write_text(user.get_attribute("value") or "")
        # A sign-in again comes with the user name filled in (login_hint): a person types only the password.
        if user.get_attribute("value") != settings["username"]:
            user.clear()
            user.send_keys(settings["username"])
        browser.find_element(By.ID, "i0118").send_keys(settings["password"])
        browser.find_element(By.ID, "idSIButton9").click()
        wait.until(ec.visibility_of_element_located((By.ID, "permissions")))
        if settings.get("decision") == "accept-when-told":
            return _accept_when_told(browser, url, settings)
        button = "idBtn_Back" if settings.get("decision") == "cancel" else "idSIButton9"
        browser.find_element(By.ID, button).click()
        landing = wait.until(ec.visibility_of_element_located((By.ID, "deviceDone" if device_code else "message")))
        shots = settings.get("screenshot")
        if shots:
            Path(shots).parent.mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(shots)
        print(landing.text)
        return 0
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[2] == "--device-code":
        sys.exit(main(sys.argv[1], sys.argv[3]))
    sys.exit(main(sys.argv[1]))
