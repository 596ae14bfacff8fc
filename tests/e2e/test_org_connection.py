"""Org-level connections in the real window, against a sandbox process: typed into the form, verified with
the organisation's name, a wrong secret and a missing application user diagnosed with their fixes, and
deleted with the secret gone from the Secret Service (checked there, not through the app)."""

from __future__ import annotations

import secretstorage
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from harness import SCREENSHOTS

# The sandbox's app registration that has no application user in its organisation.
NO_APP_USER_CLIENT_ID = "2d7c9a41-6b3e-4f0a-9d8c-0d365de5a102"


def _keyring_entries() -> set[str]:
    """The usernames of D365 Desk's entries in the session's Secret Service."""
    bus = secretstorage.dbus_init()
    try:
        items = secretstorage.search_items(bus, {"service": "d365desk"})
        return {item.get_attributes().get("username", "") for item in items}
    finally:
        bus.close()


def _css(app: WebDriver, selector: str, timeout: float = 30):  # noqa: ANN202 (a WebElement)
    return WebDriverWait(app, timeout).until(ec.visibility_of_element_located((By.CSS_SELECTOR, selector)))


def _type(app: WebDriver, field: str, text: str) -> None:
    element = app.find_element(By.ID, f"org-{field}")
    element.clear()
    element.send_keys(text)


def _add_org(app: WebDriver, sandbox: dict[str, str], name: str, secret: str, client_id: str | None = None) -> None:
    _css(app, "[data-testid='new-connection']").click()
    _css(app, "#org-name")
    _type(app, "name", name)
    _type(app, "instanceUrl", sandbox["instance_url"])
    _type(app, "tenant", sandbox["tenant_id"])
    _type(app, "clientId", client_id or sandbox["org_client_id"])
    _type(app, "clientSecret", secret)
    app.find_element(By.CSS_SELECTOR, "details.advanced summary").click()
    _type(app, "authority", sandbox["authority"])
    app.find_element(By.CSS_SELECTOR, "[data-testid='org-guide'] summary").click()
    app.get_screenshot_as_file(str(SCREENSHOTS / "new-org-connection-with-guide.png"))
    app.find_element(By.CSS_SELECTOR, "[data-testid='org-save']").click()


def _delete(app: WebDriver, name: str) -> list[str]:
    card = _css(app, f"article[aria-label='{name}']")
    card.find_element(By.CSS_SELECTOR, "[data-testid='delete-button']").click()
    _css(app, "[data-testid='confirm-delete']").click()
    steps = _css(app, "[data-testid='revocation-steps']").find_elements(By.TAG_NAME, "li")
    texts = [step.text for step in steps]
    app.find_element(By.CSS_SELECTOR, "[role='dialog']").send_keys(Keys.ESCAPE)
    WebDriverWait(app, 10).until(
        ec.invisibility_of_element_located((By.CSS_SELECTOR, f"article[aria-label='{name}']"))
    )
    return texts


def test_an_org_connection_typed_into_the_form_verifies_and_deletes_with_its_secret(
    app: WebDriver, sandbox: dict[str, str]
) -> None:
    before = _keyring_entries()
    _add_org(app, sandbox, "Sandbox by hand", sandbox["org_client_secret"])
    assert _css(app, "[data-testid='verify-org']").text == "Contoso Sandbox"
    assert _css(app, "[data-testid='step-organization']").get_attribute("data-state") == "done"
    added = _keyring_entries() - before
    assert len(added) == 1 and next(iter(added)).endswith("/client_secret"), added
    app.get_screenshot_as_file(str(SCREENSHOTS / "verified-org-connection.png"))

    app.find_element(By.CSS_SELECTOR, "[role='dialog']").send_keys(Keys.ESCAPE)
    status = _css(app, "article[aria-label='Sandbox by hand'] [data-testid='connection-status']")
    WebDriverWait(app, 10).until(lambda _: "Verified" in status.text)
    assert "Contoso Sandbox" in status.text
    app.get_screenshot_as_file(str(SCREENSHOTS / "connections-list.png"))

    steps = _delete(app, "Sandbox by hand")
    assert any("secret" in step.lower() for step in steps), steps
    assert _keyring_entries() == before, "the secret left the Secret Service"


def test_a_wrong_secret_is_diagnosed_with_its_fix(app: WebDriver, sandbox: dict[str, str]) -> None:
    _add_org(app, sandbox, "Wrong secret", "not-the-secret~value")
    failed = _css(app, "[data-testid='verify-failed']")
    assert "AADSTS7000215" in failed.find_element(By.CSS_SELECTOR, "[data-testid='diagnosis-message']").text
    hint = failed.find_element(By.CSS_SELECTOR, "[data-testid='diagnosis-hint']").text
    assert "Certificates & secrets" in hint and "delete and recreate" in hint
    assert _css(app, "[data-testid='step-token']").get_attribute("data-state") == "failed"
    app.get_screenshot_as_file(str(SCREENSHOTS / "diagnosis-wrong-secret.png"))
    app.find_element(By.CSS_SELECTOR, "[role='dialog']").send_keys(Keys.ESCAPE)
    _delete(app, "Wrong secret")


def test_an_app_without_application_user_gets_the_403_diagnosis(app: WebDriver, sandbox: dict[str, str]) -> None:
    _add_org(app, sandbox, "No app user", sandbox["org_client_secret"], NO_APP_USER_CLIENT_ID)
    failed = _css(app, "[data-testid='verify-failed']")
    assert "not a member" in failed.text
    assert "Application users" in failed.find_element(By.CSS_SELECTOR, "[data-testid='diagnosis-hint']").text
    assert _css(app, "[data-testid='step-whoAmI']").get_attribute("data-state") == "failed"
    app.find_element(By.CSS_SELECTOR, "[role='dialog']").send_keys(Keys.ESCAPE)
    _delete(app, "No app user")
