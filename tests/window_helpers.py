"""What the desktop tests do in the app window, and what they check outside it (the Secret Service)."""

from __future__ import annotations

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


def css(app: WebDriver, selector: str, timeout: float = 30) -> WebElement:
    return WebDriverWait(app, timeout).until(ec.visibility_of_element_located((By.CSS_SELECTOR, selector)))


def type_into(app: WebDriver, element_id: str, text: str) -> None:
    element = app.find_element(By.ID, element_id)
    element.clear()
    if text:  # WebKitWebDriver refuses to send no keys
        element.send_keys(text)


def close_dialog(app: WebDriver) -> None:
    app.find_element(By.CSS_SELECTOR, "[role='dialog']").send_keys(Keys.ESCAPE)
    WebDriverWait(app, 10).until(ec.invisibility_of_element_located((By.CSS_SELECTOR, "[role='dialog']")))


def delete_connection(app: WebDriver, name: str) -> list[str]:
    """Deletes the connection through its card; returns the revocation steps shown."""
    card = css(app, f"article[aria-label='{name}']")
    card.find_element(By.CSS_SELECTOR, "[data-testid='delete-button']").click()
    css(app, "[data-testid='confirm-delete']").click()
    steps = css(app, "[data-testid='revocation-steps']").find_elements(By.TAG_NAME, "li")
    texts = [step.text for step in steps]
    close_dialog(app)
    WebDriverWait(app, 10).until(
        ec.invisibility_of_element_located((By.CSS_SELECTOR, f"article[aria-label='{name}']"))
    )
    return texts
