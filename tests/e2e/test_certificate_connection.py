"""Certificate connections in the real window, against a sandbox process: the org form with a certificate
chosen in the Open dialog (answered by D365DESK_OPEN_FILE: WebDriver cannot drive the native file chooser),
its thumbprint and expiry shown, saved and verified, its key in the Secret Service and gone with the
connection; an encrypted certificate's password asked, and an unregistered one diagnosed (AADSTS700027)."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from harness import REPO, SCREENSHOTS
from window_helpers import click, close_dialog, css, delete_connection, keyring_entries, screenshot, type_into

FIXTURES = REPO / "crates" / "dataverse" / "tests" / "fixtures" / "certificates"


def _fill(app: WebDriver, sandbox: dict[str, str], name: str) -> None:
    css(app, "[data-testid='new-connection']").click()
    css(app, "#org-name")
    type_into(app, "org-name", name)
    type_into(app, "org-instanceUrl", sandbox["instance_url"])
    type_into(app, "org-tenant", sandbox["tenant_id"])
    type_into(app, "org-clientId", sandbox["org_client_id"])
    Select(css(app, "#org-credential")).select_by_value("certificate")
    click(app, "[data-testid='new-org-form'] details.advanced summary")
    type_into(app, "org-authority", sandbox["authority"])


def test_a_certificate_connection_is_chosen_verified_and_deleted_with_its_key(
    apps, sandbox: dict[str, str], tmp_path: Path
) -> None:
    file = tmp_path / "sandbox-org.pem"
    file.write_text(sandbox["org_certificate_pem"] + sandbox["org_certificate_key_pem"])
    app = apps.start({"D365DESK_OPEN_FILE": str(file)})
    before = keyring_entries()
    _fill(app, sandbox, "Sandbox certificate")
    click(app, "[data-testid='certificate-pick']")
    facts = css(app, "[data-testid='certificate-facts']")
    assert sandbox["org_certificate_thumbprint"] in facts.text, facts.text
    assert css(app, "[data-testid='certificate-file']").text == "sandbox-org.pem"
    click(app, "[data-testid='org-guide'] summary")
    assert "Upload certificate" in css(app, "[data-testid='guide-certificate']").text
    screenshot(app, SCREENSHOTS / "new-certificate-connection.png")
    click(app, "[data-testid='org-save']")
    assert css(app, "[data-testid='verify-org']").text == "Contoso Sandbox"
    added = keyring_entries() - before
    assert len(added) == 1 and next(iter(added)).endswith("/certificate_key"), added
    close_dialog(app)
    status = css(app, "article[aria-label='Sandbox certificate'] [data-testid='connection-status']")
    WebDriverWait(app, 10).until(lambda _: "Verified" in status.text)
    steps = delete_connection(app, "Sandbox certificate")
    assert any(sandbox["org_certificate_thumbprint"] in step for step in steps), steps
    assert keyring_entries() == before, "the key left the Secret Service"


def test_an_encrypted_certificate_asks_its_password_and_an_unregistered_one_is_diagnosed(
    apps, sandbox: dict[str, str]
) -> None:
    app = apps.start({"D365DESK_OPEN_FILE": str(FIXTURES / "encrypted.pem")})
    _fill(app, sandbox, "Unregistered certificate")
    click(app, "[data-testid='certificate-pick']")
    assert "password" in css(app, "[data-testid='problem-certificate']").text.lower()
    type_into(app, "org-certificatePassword", "fixture-pass")
    # Leaving the password (Tab, as a person does: a click on another field may land where the dialog
    # scrolled it away) reads the file again with it.
    css(app, "#org-certificatePassword").send_keys(Keys.TAB)
    assert "CN=D365 Desk Fixture" in css(app, "[data-testid='certificate-facts']").text
    click(app, "[data-testid='org-save']")
    failed = css(app, "[data-testid='verify-failed']")
    assert "AADSTS700027" in failed.find_element(By.CSS_SELECTOR, "[data-testid='diagnosis-message']").text
    hint = failed.find_element(By.CSS_SELECTOR, "[data-testid='diagnosis-hint']").text
    assert "Upload certificate" in hint, hint
    screenshot(app, SCREENSHOTS / "diagnosis-certificate-not-registered.png")
    close_dialog(app)
    delete_connection(app, "Unregistered certificate")
