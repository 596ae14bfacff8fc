"""The built-in sandbox remembers: a user connection signed in to it through the browser (headless Chromium,
with the demo credentials the Sandbox card shows) still verifies after the app restarts, without a new
sign-in: the sandbox is back on its port, and its data file kept the signing key, the consent and the
refresh token. The connection keeps whom it signed in as, and Sign in again fills it in on the sign-in page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from window_helpers import card, card_status, close_dialog, css, fill_user_form, wait_for_text

# The sandbox's tenant (fixed, as all its ids are).
TENANT = "6c3a3f5e-2d1b-4c8e-9a57-0d365de5a000"
DEMO_USER, DEMO_PASSWORD = "admin@contoso-sandbox.onmicrosoft.com", "Contoso-Sandbox-Demo-1"


def _start_builtin(app: WebDriver) -> dict[str, str]:
    """Starts the built-in sandbox from its card; what the card shows, as a sandbox's connection line."""
    css(app, "[data-testid='sandbox-start']", timeout=30).click()
    instance = css(app, "[data-testid='sandbox-instance-url']", timeout=60).text
    return {
        "instance_url": instance, "tenant_id": TENANT, "authority": f"{instance}/{TENANT}",
        "username": css(app, "[data-testid='sandbox-username']").text,
        "password": css(app, "[data-testid='sandbox-password']").text,
    }


def test_a_user_connection_to_the_builtin_sandbox_survives_an_app_restart(
    apps, app_home: Path, tmp_path: Path, signin_config: Callable[..., None],  # noqa: ANN001 (the Apps fixture)
) -> None:
    first = apps.start()
    sandbox = _start_builtin(first)
    assert (sandbox["username"], sandbox["password"]) == (DEMO_USER, DEMO_PASSWORD), "the demo credentials"
    signin_config(sandbox, "accept")
    fill_user_form(first, sandbox, "Sandbox me", sandbox["instance_url"])
    first.find_element(By.CSS_SELECTOR, "[data-testid='user-sign-in']").click()
    assert css(first, "[data-testid='verify-org']", timeout=90).text == "Contoso Sandbox"
    close_dialog(first)
    wait_for_text(first, card_status(first, "Sandbox me"), "Verified")
    [saved] = json.loads((app_home / "profiles.json").read_text())["profiles"]
    assert saved["username"] == DEMO_USER, saved
    apps.quit(first)

    # A sign-in now would wait for ever in the browser: the verification below must not need one.
    signin_config(sandbox, "ignore")
    second = apps.start()
    again = _start_builtin(second)
    assert again["instance_url"] == sandbox["instance_url"], "back on the port it had"
    assert not second.find_elements(By.CSS_SELECTOR, "[data-testid='sandbox-moved']")
    card(second, "Sandbox me").find_element(By.CSS_SELECTOR, "[data-testid='verify-button']").click()
    assert css(second, "[data-testid='verify-org']", timeout=60).text == "Contoso Sandbox"
    close_dialog(second)
    status = wait_for_text(second, card_status(second, "Sandbox me"), "Verified")
    assert "Contoso Sandbox" in status, status

    # Signing in again suggests whom the connection signed in as: the page comes with the user name.
    prefilled = tmp_path / "prefilled.txt"
    signin_config(sandbox, "accept", prefilled=str(prefilled))
    card(second, "Sandbox me").find_element(By.CSS_SELECTOR, "[data-testid='sign-in-again']").click()
    css(second, "[data-testid='signed-in-again']", timeout=90)
    assert prefilled.read_text() == DEMO_USER
