"""Screens by route in the real window: a connection opened from its card or from the sidebar gets its own
screen at `#/connection/<id>`, and the way back leads to the list. Against a sandbox process."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By

from harness import SCREENSHOTS
from window_helpers import card, cli_add_org, cli_connections, css, screenshot, wait_for_text


def test_a_connection_opens_on_its_own_screen_and_the_list_is_one_click_back(
    apps, app_home: Path, sandbox: dict[str, str]
) -> None:
    cli_add_org(app_home, sandbox, "Routed", sandbox["org_client_secret"])
    [saved] = cli_connections(app_home)
    app = apps.start()
    card(app, "Routed").find_element(By.CSS_SELECTOR, "[data-testid='open-connection']").click()
    screen = css(app, "[data-testid='connection-screen']")
    assert screen.find_element(By.TAG_NAME, "h1").text == "Routed"
    assert css(app, "[data-testid='connection-host']").text == "127.0.0.1"
    assert app.current_url.endswith(f"#/connection/{saved['id']}"), app.current_url
    current = css(app, "aside[aria-label='Side bar'] [aria-current='page']")
    label = (current.get_attribute("textContent") or "").strip()
    assert label == "Routed", f"the sidebar shows which connection is open: {label!r}"
    screenshot(app, SCREENSHOTS / "connection-screen.png")

    css(app, "aside[aria-label='Side bar'] nav a[href='#/connections']").click()
    wait_for_text(app, css(app, "main h1"), "Connections")
    # Picking it in the sidebar opens it too, and a route to a connection that is gone says so.
    app.find_element(By.XPATH, "//aside//a[normalize-space()='Routed']").click()
    wait_for_text(app, css(app, "main h1"), "Routed")
    app.execute_script("window.location.hash = '#/connection/00000000-0000-4000-8000-000000000000'")
    css(app, "[data-testid='connection-missing']")
