"""Org-level connections in the real window, against a sandbox process: typed into the form, verified with
the organisation's name, a wrong secret and a missing application user diagnosed with their fixes, and
deleted with the secret gone from the Secret Service (checked there, not through the app)."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from harness import SCREENSHOTS
from window_helpers import click, close_dialog, css, delete_connection, keyring_entries, screenshot, type_into

# The sandbox's app registration that has no application user in its organisation.
NO_APP_USER_CLIENT_ID = "2d7c9a41-6b3e-4f0a-9d8c-0d365de5a102"


def _type(app: WebDriver, field: str, text: str) -> None:
    type_into(app, f"org-{field}", text)


def _add_org(app: WebDriver, sandbox: dict[str, str], name: str, secret: str, client_id: str | None = None) -> None:
    css(app, "[data-testid='new-connection']").click()
    css(app, "#org-name")
    _type(app, "name", name)
    _type(app, "instanceUrl", sandbox["instance_url"])
    _type(app, "tenant", sandbox["tenant_id"])
    _type(app, "clientId", client_id or sandbox["org_client_id"])
    _type(app, "clientSecret", secret)
    click(app, "[data-testid='new-org-form'] details.advanced summary")
    _type(app, "authority", sandbox["authority"])
    click(app, "[data-testid='org-guide'] summary")
    screenshot(app, SCREENSHOTS / "new-org-connection-with-guide.png")
    click(app, "[data-testid='org-save']")


def test_an_org_connection_typed_into_the_form_verifies_and_deletes_with_its_secret(
    app: WebDriver, sandbox: dict[str, str]
) -> None:
    before = keyring_entries()
    _add_org(app, sandbox, "Sandbox by hand", sandbox["org_client_secret"])
    assert css(app, "[data-testid='verify-org']").text == "Contoso Sandbox"
    assert css(app, "[data-testid='step-organization']").get_attribute("data-state") == "done"
    added = keyring_entries() - before
    assert len(added) == 1 and next(iter(added)).endswith("/client_secret"), added
    screenshot(app, SCREENSHOTS / "verified-org-connection.png")

    close_dialog(app)
    status = css(app, "article[aria-label='Sandbox by hand'] [data-testid='connection-status']")
    WebDriverWait(app, 10).until(lambda _: "Verified" in status.text)
    assert "Contoso Sandbox" in status.text
    screenshot(app, SCREENSHOTS / "connections-list.png")

    steps = delete_connection(app, "Sandbox by hand")
    assert any("secret" in step.lower() for step in steps), steps
    assert keyring_entries() == before, "the secret left the Secret Service"


def test_a_wrong_secret_is_diagnosed_with_its_fix(app: WebDriver, sandbox: dict[str, str]) -> None:
    _add_org(app, sandbox, "Wrong secret", "not-the-secret~value")
    failed = css(app, "[data-testid='verify-failed']")
    assert "AADSTS7000215" in failed.find_element(By.CSS_SELECTOR, "[data-testid='diagnosis-message']").text
    hint = failed.find_element(By.CSS_SELECTOR, "[data-testid='diagnosis-hint']").text
    assert "Certificates & secrets" in hint and "delete and recreate" in hint
    assert css(app, "[data-testid='step-token']").get_attribute("data-state") == "failed"
    screenshot(app, SCREENSHOTS / "diagnosis-wrong-secret.png")
    close_dialog(app)
    delete_connection(app, "Wrong secret")


def test_an_app_without_application_user_gets_the_403_diagnosis(app: WebDriver, sandbox: dict[str, str]) -> None:
    _add_org(app, sandbox, "No app user", sandbox["org_client_secret"], NO_APP_USER_CLIENT_ID)
    failed = css(app, "[data-testid='verify-failed']")
    assert "not a member" in failed.text
    assert "Application users" in failed.find_element(By.CSS_SELECTOR, "[data-testid='diagnosis-hint']").text
    assert css(app, "[data-testid='step-whoAmI']").get_attribute("data-state") == "failed"
    close_dialog(app)
    delete_connection(app, "No app user")
