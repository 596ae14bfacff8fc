""""Open in Dynamics 365" from the record view, in the real window: the system browser (headless Chromium as
$BROWSER) is sent to the environment's own `main.aspx` address for the record, and the sandbox's page at that
address shows that record."""

from __future__ import annotations

import json
import re
from pathlib import Path

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from window_helpers import card, cli_add_org, cli_connections, css


def test_a_record_opens_in_the_environments_own_page_in_the_system_browser(
    apps, app_home: Path, sandbox: dict[str, str], signin_config_file: Path, tmp_path: Path
) -> None:
    progress = tmp_path / "browser.json"
    signin_config_file.write_text(json.dumps({"decision": "page", "progress": str(progress)}))
    cli_add_org(app_home, sandbox, "Browse", sandbox["org_client_secret"])
    [saved] = cli_connections(app_home)
    app = apps.start()
    card(app, "Browse")
    app.execute_script(f"window.location.hash = '#/connection/{saved['id']}/table/account'")
    first = css(app, "[data-testid='grid-row']")
    WebDriverWait(app, 30).until(lambda _: (first.get_attribute("textContent") or "").strip())
    name = (first.find_elements(By.CSS_SELECTOR, "[data-testid='grid-cell']")[0].get_attribute("textContent") or "").strip()
    first.find_elements(By.CSS_SELECTOR, "[data-testid='grid-cell']")[0].click()
    ActionChains(app).send_keys(Keys.ENTER).perform()  # Enter opens the record (a double-click edits)
    record_id = css(app, "[data-testid='record-id']").text.strip()
    assert re.fullmatch(r"[0-9a-f-]{36}", record_id), record_id

    css(app, "[data-testid='record-open-in-app']").click()
    WebDriverWait(app, 60).until(lambda _: progress.is_file() and progress.read_text().strip())
    seen = json.loads(progress.read_text())
    instance = sandbox["instance_url"].rstrip("/")
    assert seen["url"] == f"{instance}/main.aspx?pagetype=entityrecord&etn=account&id=%7B{record_id}%7D", seen
    assert name in seen["title"] or name in seen["text"], seen
    assert record_id in seen["text"], seen
