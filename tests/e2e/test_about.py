"""The About dialog in the real window: the version from the workspace Cargo.toml, the app's licence, the log
folder under the test's D365DESK_HOME, and the third-party licences built into the app (tauri's text found
through the filter)."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness import SCREENSHOTS, workspace_version
from window_helpers import click, close_dialog, css, screenshot, wait_for_text


def test_about_shows_the_version_the_log_folder_and_the_third_party_licences(app, app_home: Path) -> None:
    click(app, "[data-testid='open-about']")
    dialog = css(app, "[role='dialog'][aria-labelledby]")
    assert "About D365 Desk" in dialog.find_element(By.TAG_NAME, "h2").text
    assert css(app, "[data-testid='about-version']").text == workspace_version()
    assert css(app, "[data-testid='about-licence']").text == "MIT"
    assert css(app, "[data-testid='about-log-dir']").text == str(app_home / "logs")

    click(app, "[data-testid='show-licences']")
    counts = css(app, "[data-testid='licence-counts']")
    rust = int(counts.text.split()[0])
    assert rust > 300, f"hundreds of crates are compiled in: {counts.text!r}"
    filter_box = css(app, "[data-testid='licence-filter']")
    filter_box.send_keys("tauri")
    # The package named exactly comes first; its line opens to its licence text.
    WebDriverWait(app, 10).until(
        lambda _: app.find_element(By.CSS_SELECTOR, "[data-testid='licence-name']").text == "tauri",
        "the filter puts tauri first",
    )
    names = [n.text for n in app.find_elements(By.CSS_SELECTOR, "[data-testid='licence-name']")]
    assert all("tauri" in name for name in names), names
    first = app.find_element(By.CSS_SELECTOR, "[data-testid='licence-package']")
    assert first.find_element(By.CSS_SELECTOR, "[data-testid='licence-expression']").text == "Apache-2.0 OR MIT"
    click(app, "[data-testid='licence-package']")
    text = css(app, "[data-testid='licence-text']")
    wait_for_text(app, text, "Tauri")
    assert "Permission is hereby granted" in text.text or "Apache License" in text.text, text.text[:200]

    # docs/screenshots/about.png is a copy of this one.
    screenshot(app, SCREENSHOTS / "about.png")
    close_dialog(app)


def test_the_about_filter_says_when_nothing_matches(app) -> None:
    click(app, "[data-testid='open-about']")
    click(app, "[data-testid='show-licences']")
    css(app, "[data-testid='licence-filter']").send_keys("no-such-package-here")
    wait_for_text(app, css(app, "[data-testid='third-party-empty']"), "No package matches")
    assert app.find_elements(By.CSS_SELECTOR, "[data-testid='licence-name']") == []
