"""User-level and bearer connections in the real window, against a sandbox process.

The app's system browser is headless Chromium ($BROWSER, set by conftest) completing the sandbox's sign-in
and consent as a person would, or cancelling it. The refresh token is checked in the Secret Service itself,
not through the app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from harness import REPO, SCREENSHOTS
from window_helpers import (
    click,
    cli_connections,
    close_dialog,
    css,
    delete_connection,
    fill_user_form,
    keyring_entries,
    keyring_items,
    screenshot,
    type_into,
)

CHROMIUM = REPO / "tests" / "browser" / "chromium_sign_in.py"


def _verified_org(app: WebDriver) -> str:
    return css(app, "[data-testid='verify-org']", timeout=90).text


def test_a_user_signs_in_in_the_browser_verifies_signs_in_again_and_deletes(
    app: WebDriver, sandbox: dict[str, str], signin_config: Callable[..., None]
) -> None:
    signin_config(sandbox, "accept", str(SCREENSHOTS / "browser-sign-in-done.png"))
    before = keyring_entries()
    fill_user_form(app, sandbox, "Me in the sandbox", sandbox["instance_url"])
    click(app, "[data-testid='user-guide'] summary")
    screenshot(app, SCREENSHOTS / "new-user-connection-with-guide.png")
    app.find_element(By.CSS_SELECTOR, "[data-testid='user-sign-in']").click()
    assert "Waiting for the browser" in css(app, "[data-testid='sign-in-waiting']").text
    assert _verified_org(app) == "Contoso Sandbox"
    added = keyring_entries() - before
    assert len(added) == 1 and next(iter(added)).endswith("/refresh_token"), added
    close_dialog(app)
    card = css(app, "article[aria-label='Me in the sandbox']")
    WebDriverWait(app, 10).until(lambda _: "Verified" in card.text)

    # Signing in again replaces the session in place, then verifies; the connection stays one.
    card.find_element(By.CSS_SELECTOR, "[data-testid='sign-in-again']").click()
    css(app, "[data-testid='signed-in-again']", timeout=90)
    assert _verified_org(app) == "Contoso Sandbox"
    assert keyring_entries() - before == added
    close_dialog(app)

    steps = delete_connection(app, "Me in the sandbox")
    assert steps, "the revocation steps are shown"
    assert keyring_entries() == before, "the refresh token left the Secret Service"


def test_discover_my_environments_after_signing_in(
    app: WebDriver, sandbox: dict[str, str], signin_config: Callable[..., None]
) -> None:
    signin_config(sandbox, "accept")
    fill_user_form(app, sandbox, "", "")
    button = app.find_element(By.CSS_SELECTOR, "[data-testid='user-sign-in']")
    assert button.text == "Sign in and pick an environment"
    button.click()
    environment = css(app, "[data-testid='environment']", timeout=90)
    assert "Contoso Sandbox" in environment.text
    screenshot(app, SCREENSHOTS / "discovered-environments.png")
    environment.click()
    assert _verified_org(app) == "Contoso Sandbox"
    close_dialog(app)
    delete_connection(app, "Contoso Sandbox")


def test_cancelling_in_the_browser_is_shown_and_saves_nothing(
    app: WebDriver, sandbox: dict[str, str], signin_config: Callable[..., None]
) -> None:
    signin_config(sandbox, "cancel")
    before = keyring_entries()
    fill_user_form(app, sandbox, "Cancelled sign-in", sandbox["instance_url"])
    app.find_element(By.CSS_SELECTOR, "[data-testid='user-sign-in']").click()
    error = css(app, "[data-testid='sign-in-error']", timeout=90)
    assert "cancelled in the browser" in error.text
    assert app.find_element(By.ID, "user-name").get_attribute("value") == "Cancelled sign-in", "the form is kept"
    close_dialog(app)
    assert not app.find_elements(By.CSS_SELECTOR, "article[aria-label='Cancelled sign-in']")
    assert keyring_entries() == before


def test_cancel_in_the_window_stops_the_sign_in_and_saves_nothing(
    app: WebDriver, app_home: Path, tmp_path: Path, sandbox: dict[str, str], signin_config: Callable[..., None]
) -> None:
    # The person signs in in the browser but stops at the consent page, cancels in the window, then accepts
    # in the browser anyway: the app must have stopped listening, and keep nothing.
    progress, go = tmp_path / "browser-progress.json", tmp_path / "browser-go"
    signin_config(sandbox, "accept-when-told", progress=str(progress), go=str(go))
    before = keyring_items()
    fill_user_form(app, sandbox, "Given up", sandbox["instance_url"])
    app.find_element(By.CSS_SELECTOR, "[data-testid='user-sign-in']").click()
    assert "Waiting for the browser" in css(app, "[data-testid='sign-in-waiting']").text

    def browser_at(step: str) -> dict | None:
        state = json.loads(progress.read_text()) if progress.is_file() else {}
        assert "error" not in state, f"the browser: {state['error']}"
        return state if state.get("at") == step else None

    WebDriverWait(app, 90).until(lambda _: browser_at("consent"), "the browser did not reach the consent page")
    css(app, "[data-testid='sign-in-cancel']").click()
    assert "cancelled" in css(app, "[data-testid='sign-in-error']").text
    assert app.find_element(By.ID, "user-name").get_attribute("value") == "Given up", "the form is kept"

    go.touch()
    done = WebDriverWait(app, 60).until(lambda _: browser_at("done"), "the browser did not finish")
    assert not done["landed"], f"the app still took the sign-in after Cancel: {done}"
    close_dialog(app)
    assert not app.find_elements(By.CSS_SELECTOR, "article[aria-label='Given up']")
    assert app.find_element(By.CSS_SELECTOR, "[data-testid='connections-empty']").is_displayed()
    assert cli_connections(app_home) == [], "nothing saved"
    assert keyring_items() == before, "the Secret Service is as it was"


def test_device_code_sign_in(app: WebDriver, sandbox: dict[str, str], signin_config: Callable[..., None]) -> None:
    signin_config(sandbox, "accept")
    fill_user_form(app, sandbox, "Device code", sandbox["instance_url"])
    app.find_element(By.CSS_SELECTOR, "[data-testid='user-device-code']").click()
    code = css(app, "[data-testid='device-code']", timeout=60).text
    page = css(app, "[data-testid='sign-in-waiting'] code").text
    screenshot(app, SCREENSHOTS / "device-code.png")
    # The person enters the code in a browser elsewhere.
    env = {**os.environ, "SANDBOX_USERNAME": sandbox["username"], "SANDBOX_PASSWORD": sandbox["password"]}
    done = subprocess.run([sys.executable, str(CHROMIUM), page, "--device-code", code],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _verified_org(app) == "Contoso Sandbox"
    close_dialog(app)
    delete_connection(app, "Device code")


def _app_token(sandbox: dict[str, str]) -> str:
    """An access token for the sandbox's organisation, as another tool would have got it."""
    form = urllib.parse.urlencode({
        "grant_type": "client_credentials", "client_id": sandbox["org_client_id"],
        "client_secret": sandbox["org_client_secret"], "scope": f"{sandbox['instance_url']}/.default",
    }).encode()
    with urllib.request.urlopen(f"{sandbox['authority']}/oauth2/v2.0/token", data=form, timeout=30) as response:
        return json.load(response)["access_token"]


def test_a_pasted_token_shows_whom_and_until_when_then_verifies(app: WebDriver, sandbox: dict[str, str]) -> None:
    before = keyring_entries()
    css(app, "[data-testid='new-connection']").click()
    css(app, "[data-testid='kind-bearer']").click()
    type_into(app, "bearer-name", "Pasted token")
    type_into(app, "bearer-instanceUrl", sandbox["instance_url"])
    type_into(app, "bearer-token", "not a token")
    assert "not a JWT" in css(app, "[data-testid='token-refused']").text
    type_into(app, "bearer-token", f"Bearer {_app_token(sandbox)}")
    assert css(app, "[data-testid='token-subject']").text == sandbox["org_client_id"]
    assert "an application" in css(app, "[data-testid='token-facts']").text
    assert not app.find_elements(By.CSS_SELECTOR, "[data-testid='token-near-expiry']"), "an hour is not near"
    screenshot(app, SCREENSHOTS / "new-bearer-connection.png")
    app.find_element(By.CSS_SELECTOR, "[data-testid='bearer-save']").click()
    assert _verified_org(app) == "Contoso Sandbox"
    added = keyring_entries() - before
    assert len(added) == 1, added
    close_dialog(app)
    delete_connection(app, "Pasted token")
    assert keyring_entries() == before
