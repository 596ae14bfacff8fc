"""The sandbox's sign-in and consent pages in real Chromium, end to end: the desktop app's authorization
request (public client, PKCE S256, loopback redirect), the user's typing and clicks, and the redirect the
app's listener receives."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import urlencode

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from browser.conftest import Loopback
from harness import SCREENSHOTS


def _authorize_url(sandbox: dict[str, str], redirect_uri: str, challenge: str) -> str:
    query = urlencode(
        {
            "client_id": sandbox["public_client_id"],
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "response_mode": "query",
            "scope": f"{sandbox['instance_url']}/user_impersonation offline_access",
            "state": "browser-state-42",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{sandbox['authority']}/oauth2/v2.0/authorize?{query}"


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _sign_in(browser: WebDriver, sandbox: dict[str, str]) -> None:
    wait = WebDriverWait(browser, 15)
    wait.until(ec.visibility_of_element_located((By.ID, "i0116"))).send_keys(sandbox["username"])
    browser.find_element(By.ID, "i0118").send_keys(sandbox["password"])
    browser.save_screenshot(str(SCREENSHOTS / "sandbox_sign_in_page.png"))
    browser.find_element(By.ID, "idSIButton9").click()
    wait.until(ec.visibility_of_element_located((By.ID, "permissions")))


def test_sign_in_and_consent_return_a_code_the_app_can_redeem(
    chromium: WebDriver, sandbox: dict[str, str], loopback: Loopback
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    verifier, challenge = _pkce()
    chromium.get(_authorize_url(sandbox, loopback.redirect_uri, challenge))
    _sign_in(chromium, sandbox)
    permissions = chromium.find_element(By.ID, "permissions").text
    assert "user_impersonation" in permissions and "offline_access" in permissions
    chromium.save_screenshot(str(SCREENSHOTS / "sandbox_consent_page.png"))
    chromium.find_element(By.ID, "idSIButton9").click()

    assert loopback.received.wait(15), "the browser never reached the app's loopback listener"
    WebDriverWait(chromium, 15).until(ec.visibility_of_element_located((By.ID, "done")))
    (redirect,) = loopback.redirects
    assert redirect["state"] == "browser-state-42"
    tokens = requests.post(
        f"{sandbox['authority']}/oauth2/v2.0/token",
        data={
            "grant_type": "authorization_code",
            "client_id": sandbox["public_client_id"],
            "code": redirect["code"],
            "redirect_uri": loopback.redirect_uri,
            "code_verifier": verifier,
        },
        timeout=10,
    )
    assert tokens.status_code == 200, tokens.text
    assert {"access_token", "refresh_token"} <= tokens.json().keys()


def test_cancel_on_the_consent_page_tells_the_app(
    chromium: WebDriver, sandbox: dict[str, str], loopback: Loopback
) -> None:
    _, challenge = _pkce()
    chromium.get(_authorize_url(sandbox, loopback.redirect_uri, challenge))
    _sign_in(chromium, sandbox)
    chromium.find_element(By.ID, "idBtn_Back").click()
    assert loopback.received.wait(15)
    (redirect,) = loopback.redirects
    assert redirect["error"] == "access_denied"
    assert redirect["error_description"].startswith("AADSTS65004:")
    assert redirect["state"] == "browser-state-42"
    assert "code" not in redirect


def test_an_unregistered_redirect_uri_stops_on_an_error_page(
    chromium: WebDriver, sandbox: dict[str, str], loopback: Loopback
) -> None:
    _, challenge = _pkce()
    chromium.get(_authorize_url(sandbox, loopback.redirect_uri + "elsewhere", challenge))
    error = WebDriverWait(chromium, 15).until(ec.visibility_of_element_located((By.ID, "errorCode")))
    assert "AADSTS50011" in error.text
    assert not loopback.received.wait(1), "a mismatched redirect URI must never be redirected to"
