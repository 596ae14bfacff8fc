"""The built-in Sandbox connection in the real window: one click starts the in-process sandbox, which then
answers on loopback like Dataverse does, with its data in the app's data directory."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait


def test_start_sandbox_from_the_connections_screen(app: WebDriver) -> None:
    wait = WebDriverWait(app, 30)
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid='sandbox-start']"))).click()
    instance_url = wait.until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid='sandbox-instance-url']"))
    ).text
    assert instance_url.startswith("http://127.0.0.1:")
    assert app.find_element(By.CSS_SELECTOR, "[data-testid='sandbox-status']").text == "Running"

    # The sandbox really runs inside the app: its Web API challenges an anonymous call as Dataverse does.
    try:
        urllib.request.urlopen(f"{instance_url}/api/data/v9.2/WhoAmI", timeout=5)
        raise AssertionError("an anonymous WhoAmI must be refused")
    except urllib.error.HTTPError as refused:
        assert refused.code == 401
        assert refused.headers["WWW-Authenticate"].startswith("Bearer authorization_uri=http://127.0.0.1:")

    data_file = Path(app.find_element(By.XPATH, "//dt[text()='Data']/following-sibling::dd[1]").text)
    assert data_file.name == "sandbox.sqlite3" and data_file.is_file(), data_file


def test_the_builtin_sandbox_verifies_in_one_click(app: WebDriver) -> None:
    wait = WebDriverWait(app, 60)
    button = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid='sandbox-verify']")))
    assert button.text == "Start and verify"
    button.click()
    organisation = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid='verify-org']")))
    assert organisation.text == "Contoso Sandbox"
    assert app.find_element(By.CSS_SELECTOR, "[data-testid='sandbox-status']").text == "Running"
