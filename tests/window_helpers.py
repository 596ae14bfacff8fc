"""What the desktop tests do in the app window, and what they check outside it (the Secret Service)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import secretstorage
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait


def keyring_entries() -> set[str]:
    """The usernames of D365 Desk's entries in the session's Secret Service."""
    bus = secretstorage.dbus_init()
    try:
        items = secretstorage.search_items(bus, {"service": "d365desk"})
        return {item.get_attributes().get("username", "") for item in items}
    finally:
        bus.close()


def keyring_items() -> dict[str, bytes]:
    """D365 Desk's entries in the session's Secret Service, each username with its secret: a change to a
    stored secret shows, not only an added or removed entry."""
    bus = secretstorage.dbus_init()
    try:
        items = secretstorage.search_items(bus, {"service": "d365desk"})
        return {item.get_attributes().get("username", ""): item.get_secret() for item in items}
    finally:
        bus.close()


def cli(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`d365 --json ARGS` on the data folder `home` (D365DESK_HOME), as a person would run it beside the app."""
    binary = os.environ.get("D365DESK_CLI_BINARY", "")
    if not Path(binary).is_file():
        pytest.fail("D365DESK_CLI_BINARY must name the d365 binary (make test-e2e sets it)")
    return subprocess.run([binary, "--json", *args], input=stdin, env={**os.environ, "D365DESK_HOME": str(home)},
                          capture_output=True, text=True, timeout=60, check=False)


def cli_connections(home: Path) -> list[dict]:
    """The connections `d365 connection list --json` reads from `home`."""
    listed = cli(home, "connection", "list")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    return json.loads(listed.stdout)["connections"]


def cli_add_org(home: Path, sandbox: dict[str, str], name: str, secret: str) -> None:
    """An org connection to the sandbox saved with the CLI (not verified): the app finds it on its next start."""
    added = cli(home, "connection", "add", "org", "--name", name, "--instance", sandbox["instance_url"],
                "--tenant", sandbox["tenant_id"], "--client-id", sandbox["org_client_id"],
                "--authority", sandbox["authority"], "--client-secret-stdin", stdin=secret + "\n")
    assert added.returncode == 0, added.stdout + added.stderr


def css(app: WebDriver, selector: str, timeout: float = 30) -> WebElement:
    return WebDriverWait(app, timeout).until(ec.visibility_of_element_located((By.CSS_SELECTOR, selector)))


def click(app: WebDriver, selector: str) -> None:
    """Clicks the element as a person would after scrolling to it: brought to the middle of the dialog
    first, so that one at the dialog's edge, or moved by a section opening above it, is not missed."""
    element = app.find_element(By.CSS_SELECTOR, selector)
    app.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    WebDriverWait(app, 10).until(ec.element_to_be_clickable(element)).click()


def type_into(app: WebDriver, element_id: str, text: str) -> None:
    element = app.find_element(By.ID, element_id)
    element.clear()
    if text:  # WebKitWebDriver refuses to send no keys
        element.send_keys(text)


def screenshot(app: WebDriver, path: Path) -> None:
    """The window as it is now: waits for two animation frames first, so that what the DOM already shows has
    been painted (a screenshot right after a change can otherwise show an earlier frame)."""
    app.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "requestAnimationFrame(() => requestAnimationFrame(() => done()));"
    )
    app.get_screenshot_as_file(str(path))


def in_view(app: WebDriver, element: WebElement) -> bool:
    """Whether the element is wholly in sight: inside the window, and inside the dialog it is in (which
    scrolls on its own), so a person sees it without scrolling."""
    return bool(app.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "if (r.top < 0 || r.bottom > window.innerHeight) return false;"
        "const box = arguments[0].closest(\"[role='dialog']\");"
        "if (!box) return true;"
        "const d = box.getBoundingClientRect();"
        "return r.top >= d.top && r.bottom <= d.bottom;",
        element,
    ))


def card(app: WebDriver, name: str, timeout: float = 30) -> WebElement:
    """The connection's card on the Connections screen."""
    return css(app, f"article[aria-label='{name}']", timeout)


def card_status(app: WebDriver, name: str) -> WebElement:
    return card(app, name).find_element(By.CSS_SELECTOR, "[data-testid='connection-status']")


def wait_for_text(app: WebDriver, element: WebElement, text: str, timeout: float = 30) -> str:
    """Waits until `text` is in the element's text; returns that text."""
    WebDriverWait(app, timeout).until(lambda _: text in element.text, f"no '{text}' in: {element.text!r}")
    return element.text


def add_org_in_window(app: WebDriver, sandbox: dict[str, str], name: str, secret: str,
                      client_id: str | None = None) -> None:
    """Types an org connection to the sandbox into the New connection form and saves it (which verifies it)."""
    css(app, "[data-testid='new-connection']").click()
    css(app, "#org-name")
    type_into(app, "org-name", name)
    type_into(app, "org-instanceUrl", sandbox["instance_url"])
    type_into(app, "org-tenant", sandbox["tenant_id"])
    type_into(app, "org-clientId", client_id or sandbox["org_client_id"])
    type_into(app, "org-clientSecret", secret)
    click(app, "[data-testid='new-org-form'] details.advanced summary")
    type_into(app, "org-authority", sandbox["authority"])
    click(app, "[data-testid='org-save']")


def fill_user_form(app: WebDriver, sandbox: dict[str, str], name: str, instance: str) -> None:
    """Fills the user form for the sandbox; the client ID stays empty (Microsoft's sample client)."""
    css(app, "[data-testid='new-connection']").click()
    css(app, "[data-testid='kind-user']").click()
    css(app, "#user-name")
    type_into(app, "user-name", name)
    type_into(app, "user-instanceUrl", instance)
    type_into(app, "user-tenant", sandbox["tenant_id"])
    click(app, "[data-testid='new-user-form'] details.advanced summary")
    type_into(app, "user-authority", sandbox["authority"])


def close_dialog(app: WebDriver) -> None:
    app.find_element(By.CSS_SELECTOR, "[role='dialog']").send_keys(Keys.ESCAPE)
    WebDriverWait(app, 10).until(ec.invisibility_of_element_located((By.CSS_SELECTOR, "[role='dialog']")))


def delete_connection(app: WebDriver, name: str) -> list[str]:
    """Deletes the connection through its card; returns the revocation steps shown."""
    card(app, name).find_element(By.CSS_SELECTOR, "[data-testid='delete-button']").click()
    css(app, "[data-testid='confirm-delete']").click()
    steps = css(app, "[data-testid='revocation-steps']").find_elements(By.TAG_NAME, "li")
    texts = [step.text for step in steps]
    close_dialog(app)
    WebDriverWait(app, 10).until(
        ec.invisibility_of_element_located((By.CSS_SELECTOR, f"article[aria-label='{name}']"))
    )
    return texts
