"""A $BROWSER for tests: opens the URL it is given in headless Chromium and completes the sandbox's
sign-in and consent (or cancels, with D365DESK_SIGNIN_DECISION=cancel), as a person would."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait


def main(url: str) -> int:
    options = Options()
    options.binary_location = shutil.which("chromium") or "chromium"
    profile = tempfile.mkdtemp(prefix="d365desk-chromium-")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={profile}"):
        options.add_argument(arg)
    browser = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver") or "chromedriver"), options=options)
    try:
        wait = WebDriverWait(browser, 30)
        browser.get(url)
        wait.until(ec.visibility_of_element_located((By.ID, "i0116"))).send_keys(os.environ["SANDBOX_USERNAME"])
        browser.find_element(By.ID, "i0118").send_keys(os.environ["SANDBOX_PASSWORD"])
        browser.find_element(By.ID, "idSIButton9").click()
        wait.until(ec.visibility_of_element_located((By.ID, "permissions")))
        button = "idBtn_Back" if os.environ.get("D365DESK_SIGNIN_DECISION") == "cancel" else "idSIButton9"
        browser.find_element(By.ID, button).click()
        landing = wait.until(ec.visibility_of_element_located((By.ID, "message")))
        shots = os.environ.get("D365DESK_SCREENSHOT")
        if shots:
            Path(shots).parent.mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(shots)
        print(landing.text)
        return 0
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
