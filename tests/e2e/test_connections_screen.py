"""The first screen: the app starts in a real window and shows the Connections screen."""

from __future__ import annotations

import subprocess
import tomllib

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from harness import REPO


def _workspace_version() -> str:
    cargo = tomllib.loads((REPO / "Cargo.toml").read_text())
    return cargo["workspace"]["package"]["version"]


def test_connections_screen_renders(app: WebDriver) -> None:
    wait = WebDriverWait(app, 15)
    heading = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "main h1")))
    assert heading.text == "Connections"
    # The UI embedded in the binary, not a dev server (a build without it would show a blank window).
    assert app.current_url.startswith("tauri://localhost"), app.current_url

    sidebar = app.find_element(By.CSS_SELECTOR, "aside[aria-label='Side bar']")
    current = sidebar.find_element(By.CSS_SELECTOR, "nav [aria-current='page']")
    assert current.text == "Connections"
    assert app.find_element(By.CSS_SELECTOR, "[data-testid='connections-empty']").is_displayed()


def test_status_bar_shows_version_from_rust(app: WebDriver) -> None:
    # The version travels from Rust over IPC: this fails if the bridge, the CSP or the capability is wrong.
    version = WebDriverWait(app, 15).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid='app-version']"))
    )
    assert version.text == f"D365 Desk {_workspace_version()}"


def test_native_window_title(app: WebDriver) -> None:
    WebDriverWait(app, 15).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "main h1")))
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", "^D365 Desk$"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.returncode == 0 and found.stdout.strip(), "no visible X window titled 'D365 Desk'"
