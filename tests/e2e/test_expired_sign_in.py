"""A user connection whose sign-in has really expired: the sandbox runs with short token and refresh-token
lifetimes, the person signs in through the browser (headless Chromium), waits past them, and Verify finds the
session expired; the card says so and puts Sign in again first; signing in again verifies."""

from __future__ import annotations

import time
from collections.abc import Callable

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from harness import SCREENSHOTS
from window_helpers import (
    card,
    card_status,
    close_dialog,
    css,
    delete_connection,
    fill_user_form,
    keyring_items,
    screenshot,
    wait_for_text,
)

# Long enough for the sign-in's own verification (which redeems the refresh token at once), short enough
# to wait out.
LIFETIME = 6


def _weight(element) -> int:  # noqa: ANN001 (a WebElement)
    weight = element.value_of_css_property("font-weight")
    return {"normal": 400, "bold": 700}.get(weight) or int(weight)


def test_an_expired_sign_in_is_shown_on_the_card_and_signing_in_again_verifies(
    app: WebDriver, start_sandbox: Callable[..., dict[str, str]],
    signin_config: Callable[..., None],
) -> None:
    sandbox = start_sandbox("--token-lifetime", str(LIFETIME), "--refresh-token-lifetime", str(LIFETIME))
    signin_config(sandbox, "accept")
    before = keyring_items()
    fill_user_form(app, sandbox, "Expiring sign-in", sandbox["instance_url"])
    app.find_element(By.CSS_SELECTOR, "[data-testid='user-sign-in']").click()
    assert css(app, "[data-testid='verify-org']", timeout=90).text == "Contoso Sandbox"
    close_dialog(app)
    wait_for_text(app, card_status(app, "Expiring sign-in"), "Verified")
    [session] = set(keyring_items()) - set(before)
    assert session.endswith("/refresh_token"), session

    # The refresh token (and every access token) outlives its use by LIFETIME seconds: the sandbox's clock
    # has to pass it. This waits for time itself, not for the app.
    time.sleep(LIFETIME + 2)

    card(app, "Expiring sign-in").find_element(By.CSS_SELECTOR, "[data-testid='verify-button']").click()
    failed = css(app, "[data-testid='verify-failed']", timeout=60)
    message = failed.find_element(By.CSS_SELECTOR, "[data-testid='diagnosis-message']").text
    assert "no longer valid" in message and "AADSTS700082" in message, message
    assert "Sign in again" in failed.find_element(By.CSS_SELECTOR, "[data-testid='diagnosis-hint']").text
    assert css(app, "[data-testid='step-token']").get_attribute("data-state") == "failed"
    assert css(app, "[data-testid='verify-sign-in-again']").text == "Sign in again"
    screenshot(app, SCREENSHOTS / "verify-sign-in-expired.png")
    close_dialog(app)

    status = wait_for_text(app, card_status(app, "Expiring sign-in"), "Sign-in expired")
    assert "Verified" not in status and "Failed" not in status, status
    expired = card(app, "Expiring sign-in")
    again = expired.find_element(By.CSS_SELECTOR, "[data-testid='sign-in-again']")
    verify = expired.find_element(By.CSS_SELECTOR, "[data-testid='verify-button']")
    assert again.text == "Sign in again"
    assert _weight(again) > _weight(verify), "Sign in again is the card's strong action once the sign-in expired"
    screenshot(app, SCREENSHOTS / "card-sign-in-expired.png")

    again.click()
    css(app, "[data-testid='signed-in-again']", timeout=90)
    assert css(app, "[data-testid='verify-org']", timeout=60).text == "Contoso Sandbox"
    close_dialog(app)
    status = wait_for_text(app, card_status(app, "Expiring sign-in"), "Verified")
    assert "Contoso Sandbox" in status, status
    card_now = card(app, "Expiring sign-in")
    assert _weight(card_now.find_element(By.CSS_SELECTOR, "[data-testid='sign-in-again']")) <= _weight(
        card_now.find_element(By.CSS_SELECTOR, "[data-testid='verify-button']")), "no longer the strong action"
    assert set(keyring_items()) - set(before) == {session}, "the same connection, its session replaced in place"
    assert len(app.find_elements(By.CSS_SELECTOR, "[data-testid='connection-card']")) == 1

    delete_connection(app, "Expiring sign-in")
    assert keyring_items() == before
