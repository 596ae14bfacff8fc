"""Saved connections across app sessions, against a sandbox process: what a person saved, edited and verified
is there with its last status when the app is started again on the same data, and the `d365` CLI reads the
same connections the window wrote."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select

from harness import SCREENSHOTS
from window_helpers import (
    add_org_in_window,
    card,
    card_status,
    cli_add_org,
    cli_connections,
    close_dialog,
    css,
    screenshot,
    wait_for_text,
)


def test_a_restarted_app_shows_the_saved_connections_with_their_last_status(
    apps, app_home: Path, sandbox: dict[str, str]
) -> None:
    app = apps.start()
    add_org_in_window(app, sandbox, "Kept and verified", sandbox["org_client_secret"])
    assert css(app, "[data-testid='verify-org']").text == "Contoso Sandbox"
    close_dialog(app)
    add_org_in_window(app, sandbox, "Kept and failing", "not-the-secret~value")
    css(app, "[data-testid='verify-failed']")
    close_dialog(app)
    was_failed = wait_for_text(app, card_status(app, "Kept and failing"), "Failed")
    was_verified = wait_for_text(app, card_status(app, "Kept and verified"), "Verified")
    apps.quit(app)

    # A new app process on the same data: the cards and their last verification, read back, not redone.
    again = apps.start()
    verified = wait_for_text(again, card_status(again, "Kept and verified"), "Verified")
    assert "Contoso Sandbox as " in verified and verified == was_verified, (verified, was_verified)
    failed = wait_for_text(again, card_status(again, "Kept and failing"), "Failed")
    assert failed == was_failed, (failed, was_failed)
    assert len(again.find_elements(By.CSS_SELECTOR, "[data-testid='connection-card']")) == 2
    assert not again.find_elements(By.CSS_SELECTOR, "[data-testid='connections-empty']")


def _edit(app: WebDriver, name: str, new_name: str, tag: str, read_only: bool) -> None:
    card(app, name).find_element(By.XPATH, ".//button[normalize-space()='Edit']").click()
    dialog = css(app, "[role='dialog']")
    field = dialog.find_element(By.XPATH, ".//label[contains(., 'Name')]//input")
    field.clear()
    field.send_keys(new_name)
    Select(dialog.find_element(By.XPATH, ".//label[contains(., 'Environment')]//select")).select_by_visible_text(tag)
    box = dialog.find_element(By.XPATH, ".//label[contains(., 'Read-only')]//input[@type='checkbox']")
    if box.is_selected() != read_only:
        box.click()
    screenshot(app, SCREENSHOTS / "edit-connection.png")
    dialog.find_element(By.XPATH, ".//button[normalize-space()='Save']").click()


def test_name_tag_and_read_only_edited_in_the_window_survive_a_restart(
    apps, app_home: Path, sandbox: dict[str, str]
) -> None:
    cli_add_org(app_home, sandbox, "Before the edit", sandbox["org_client_secret"])
    [saved] = cli_connections(app_home)
    assert saved.get("tag") is None and saved["read_only"] is False, saved
    app = apps.start()

    _edit(app, "Before the edit", "After the edit", "Production", read_only=True)
    edited = card(app, "After the edit")
    assert edited.find_element(By.CSS_SELECTOR, "[data-testid='connection-tag']").text == "PROD"
    assert edited.find_element(By.CSS_SELECTOR, "[data-testid='read-only-badge']").text == "Read-only"
    assert not app.find_elements(By.CSS_SELECTOR, "article[aria-label='Before the edit']")

    # The CLI reads what the window wrote: the same connection (same id), changed.
    [listed] = cli_connections(app_home)
    assert (listed["id"], listed["name"], listed.get("tag"), listed["read_only"]) == (
        saved["id"], "After the edit", "prod", True), listed
    apps.quit(app)

    again = apps.start()
    kept = card(again, "After the edit")
    assert kept.find_element(By.CSS_SELECTOR, "[data-testid='connection-tag']").text == "PROD"
    assert kept.find_element(By.CSS_SELECTOR, "[data-testid='read-only-badge']").is_displayed()

    # And back: another tag, read-only off, the old name again.
    _edit(again, "After the edit", "Before the edit", "Test", read_only=False)
    back = card(again, "Before the edit")
    assert back.find_element(By.CSS_SELECTOR, "[data-testid='connection-tag']").text == "TEST"
    assert not back.find_elements(By.CSS_SELECTOR, "[data-testid='read-only-badge']")
    [listed] = cli_connections(app_home)
    assert (listed["name"], listed.get("tag"), listed["read_only"]) == ("Before the edit", "test", False), listed


def test_verify_on_a_saved_card_checks_it_now_and_shows_the_result_on_the_card(
    app_home: Path, apps, sandbox: dict[str, str]
) -> None:
    # Saved elsewhere (the CLI), never verified: the app knows them only from the profiles file.
    cli_add_org(app_home, sandbox, "Saved good", sandbox["org_client_secret"])
    cli_add_org(app_home, sandbox, "Saved wrong secret", "not-the-secret~value")
    app = apps.start()
    assert "Never verified" in card_status(app, "Saved good").text
    assert "Never verified" in card_status(app, "Saved wrong secret").text

    card(app, "Saved good").find_element(By.CSS_SELECTOR, "[data-testid='verify-button']").click()
    assert css(app, "[data-testid='verify-org']").text == "Contoso Sandbox"
    for step in ("token", "whoAmI", "organization"):
        assert css(app, f"[data-testid='step-{step}']").get_attribute("data-state") == "done", step
    close_dialog(app)
    status = wait_for_text(app, card_status(app, "Saved good"), "Verified")
    assert "Contoso Sandbox" in status, status

    card(app, "Saved wrong secret").find_element(By.CSS_SELECTOR, "[data-testid='verify-button']").click()
    failed = css(app, "[data-testid='verify-failed']")
    assert "AADSTS7000215" in failed.find_element(By.CSS_SELECTOR, "[data-testid='diagnosis-message']").text
    assert css(app, "[data-testid='step-token']").get_attribute("data-state") == "failed"
    close_dialog(app)
    wait_for_text(app, card_status(app, "Saved wrong secret"), "Failed")
    assert "Verified" in card_status(app, "Saved good").text, "one card's result is not another's"

    # The results are recorded on the connections themselves (the CLI sees them).
    recorded = {c["name"]: c.get("last_verification") for c in cli_connections(app_home)}
    assert recorded["Saved good"] and recorded["Saved good"]["ok"] is True, recorded
    assert recorded["Saved wrong secret"] and recorded["Saved wrong secret"]["ok"] is False, recorded
