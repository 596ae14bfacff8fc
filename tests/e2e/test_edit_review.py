"""Reviewing and committing in the real window, against sandboxes over HTTP: a record changed through the CLI
after the grid read it comes back as a conflict, theirs against mine, and mine is kept on the new version;
Preview shows the exact `$batch` the commit sends, the token hidden; a commit is undone from this session's
history; a commit the sandbox throttles waits in the status bar, then applies every change.

What was written is always read back with the CLI, outside the window."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from harness import SCREENSHOTS
from e2e.test_edit import (
    CLI_CONNECTION,
    cell_text,
    commit,
    edit_text,
    first_accounts,
    open_accounts,
    open_builtin_sandbox,
    open_editor,
    open_panel,
    pending_count,
    show_column,
    sort_by,
)
from window_helpers import card, cli, cli_add_org, cli_connections, css, screenshot


def account(home: Path, record: str, connection: str = CLI_CONNECTION) -> dict:
    done = cli(home, "get", connection, "account", record)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def field(row: dict, column: str):  # noqa: ANN201 (a JSON value)
    """A column of `d365 get --json`'s record (its values may sit under `record`)."""
    return (row.get("record") or row).get(column)


def accounts_by_name(app: WebDriver, home: Path, count: int) -> list[dict]:
    """The accounts' grid sorted by name, and its first `count` rows as the CLI reads them."""
    open_accounts(app)
    sort_by(app, "Account Name")
    rows = first_accounts(home, count)
    WebDriverWait(app, 30).until(lambda _: cell_text(app, rows[0]["accountid"], "name") == rows[0]["name"])
    return rows


def test_a_record_changed_after_the_grid_read_it_is_a_conflict_and_mine_is_kept_on_the_new_version(
    app: WebDriver, app_home: Path
) -> None:
    open_builtin_sandbox(app, app_home)
    [target] = accounts_by_name(app, app_home, 1)
    record, read_name = target["accountid"], target["name"]
    edit_text(app, record, "telephone1", "555-0101")
    # Someone else changes the record after the grid read it: its phone, and its name.
    theirs_name = f"{read_name} (renamed by a colleague)"
    changed = cli(app_home, "update", CLI_CONNECTION, "account", record, "--force",
                  "--data", json.dumps({"telephone1": "555-9999", "name": theirs_name}))
    assert changed.returncode == 0, changed.stdout + changed.stderr

    open_panel(app)
    assert commit(app).startswith("0 changes applied")
    # The virtualized list places its lines by the heights pendingLines.ts gives them: the CSS keeps to them.
    heights = app.execute_script(
        "return [...document.querySelectorAll(\"[data-testid='pending-scroll'] li\")].map(l => l.offsetHeight)")
    assert heights == [40, 44 + 48], heights
    outcome = css(app, "[data-testid='pending-outcome']")
    assert "Changed on the server" in outcome.text
    assert field(account(app_home, record), "telephone1") == "555-9999", "nothing of mine was written"

    css(app, "[data-testid='pending-resolve']").click()
    view = css(app, "[data-testid='conflict-view']")
    phone = view.find_element(By.CSS_SELECTOR, "[data-testid='conflict-column'][data-column='telephone1']")
    cells = {name: phone.find_element(By.CSS_SELECTOR, f"[data-testid='conflict-{name}']").text.strip()
             for name in ("base", "theirs", "mine")}
    assert cells == {"base": target.get("telephone1") or "(empty)", "theirs": "555-9999", "mine": "555-0101"}
    others = [o.text for o in view.find_elements(By.CSS_SELECTOR, "[data-testid='conflict-other']")]
    assert any(theirs_name in other and read_name in other for other in others), others
    assert not any(other.startswith("Modified On") for other in others), "what every write sets is no news"
    screenshot(app, SCREENSHOTS / "conflict.png")

    css(app, "[data-testid='conflict-apply']").click()  # mine, the default
    assert pending_count(app) == 1, "mine is still staged, on the record's new version"
    assert commit(app).startswith("1 change applied")
    now = account(app_home, record)
    assert (field(now, "telephone1"), field(now, "name")) == ("555-0101", theirs_name)


def test_preview_shows_the_exact_batch_with_the_token_hidden_and_sends_nothing(
    app: WebDriver, app_home: Path
) -> None:
    open_builtin_sandbox(app, app_home)
    first, second = accounts_by_name(app, app_home, 2)
    editor = open_editor(app, first["accountid"], "telephone1")
    typed = editor.find_element(By.CSS_SELECTOR, "[data-testid='cell-editor-input']")
    typed.send_keys(Keys.CONTROL, "a")
    typed.send_keys("555-0111")
    screenshot(app, SCREENSHOTS / "inline-editing.png")
    typed.send_keys(Keys.ENTER)
    WebDriverWait(app, 30).until(lambda _: pending_count(app) == 1)
    edit_text(app, second["accountid"], "telephone1", "555-0112")
    open_panel(app)
    css(app, "[data-testid='pending-preview']").click()
    line = css(app, "[data-testid='preview-request-line']", 30).text
    assert re.fullmatch(r"POST https?://[^ ]+/api/data/v9\.2/\$batch", line), line
    headers = css(app, "[data-testid='preview-headers']").text
    assert "Bearer (hidden)" in headers and "multipart/mixed" in headers, headers
    body = css(app, "[data-testid='preview-body']").get_attribute("textContent") or ""
    for row in (first, second):
        assert "PATCH " in body and f"accounts({row['accountid']})" in body, body[:800]
    assert body.count("If-Match: W/") == 2, body[:800]
    assert '"telephone1":"555-0111"' in body.replace(" ", ""), body[:800]
    preview = css(app, "[data-testid='preview']").text
    assert "eyJ" not in preview and "eyJ" not in body, "no token in the preview"
    screenshot(app, SCREENSHOTS / "commit-preview.png")
    css(app, "[data-testid='preview-close']").click()
    assert field(account(app_home, first["accountid"]), "telephone1") == first.get("telephone1"), "sent nothing"
    assert commit(app).startswith("2 changes applied")


def test_a_commit_is_undone_from_the_sessions_history_after_review(app: WebDriver, app_home: Path) -> None:
    open_builtin_sandbox(app, app_home)
    [target] = accounts_by_name(app, app_home, 1)
    record = target["accountid"]
    edit_text(app, record, "telephone1", "555-0121")
    open_panel(app)
    assert commit(app).startswith("1 change applied")
    assert field(account(app_home, record), "telephone1") == "555-0121"

    history = css(app, "[data-testid='commit-history']")
    history.find_element(By.TAG_NAME, "summary").click()
    entry = history.find_element(By.CSS_SELECTOR, "[data-testid='history-entry']")
    assert re.search(r"1 record, atomic: 1 applied", entry.text), entry.text
    entry.find_element(By.CSS_SELECTOR, "[data-testid='history-undo']").click()
    WebDriverWait(app, 30).until(lambda _: pending_count(app) == 1)
    assert "Undo staged 1 change" in css(app, "[data-testid='undo-report']").text
    restored = css(app, "[data-testid='pending-change'] [data-testid='pending-new']").text.strip()
    assert restored == (target.get("telephone1") or "(empty)")
    assert field(account(app_home, record), "telephone1") == "555-0121", "an undo is staged, not sent"
    assert commit(app).startswith("1 change applied")
    assert field(account(app_home, record), "telephone1") == target.get("telephone1")


def test_a_throttled_commit_waits_in_the_status_bar_then_applies_every_change(
    apps, app_home: Path, start_sandbox: Callable[..., dict[str, str]]
) -> None:
    # Ten requests per six seconds for the org app. Beside the window, the test spends the app's budget as
    # it comes back until the window says it waits, so the commit's $batch is answered 429 with Retry-After.
    sandbox = start_sandbox("--throttle", "10/6")
    cli_add_org(app_home, sandbox, "Throttled", sandbox["org_client_secret"])
    [saved] = cli_connections(app_home)
    listed = cli(app_home, "query", "Throttled", "account", "--format", "json", "--select", "name,telephone1",
                 "--orderby", "name", "--top", "3")
    assert listed.returncode == 0, listed.stderr
    targets = [json.loads(line) for line in listed.stdout.splitlines()][:3]

    app = apps.start()
    card(app, "Throttled")
    app.execute_script(f"window.location.hash = '#/connection/{saved['id']}/table/account'")
    WebDriverWait(app, 90).until(lambda _: "row" in css(app, "[data-testid='grid-count']").text)
    show_column(app, "Main Phone", "telephone1")
    sort_by(app, "Account Name")
    WebDriverWait(app, 60).until(lambda _: cell_text(app, targets[0]["accountid"], "name") == targets[0]["name"])
    for n, target in enumerate(targets):
        edit_text(app, target["accountid"], "telephone1", f"555-013{n}")
    open_panel(app)

    token = requests.post(f"{sandbox['authority']}/oauth2/v2.0/token", timeout=30, data={
        "grant_type": "client_credentials", "client_id": sandbox["org_client_id"],
        "client_secret": sandbox["org_client_secret"], "scope": f"{sandbox['instance_url']}/.default",
    }).json()["access_token"]
    stop = threading.Event()

    def spend() -> None:
        while not stop.is_set():
            requests.get(f"{sandbox['web_api_url']}WhoAmI", headers={"Authorization": f"Bearer {token}"},
                         timeout=30)
            time.sleep(0.05)
    spender = threading.Thread(target=spend)
    spender.start()
    said: list[str] = []

    def waiting(_: WebDriver) -> bool:
        said.extend(f.text for f in app.find_elements(By.CSS_SELECTOR, "[data-testid='status-wait']") if f.text)
        return any(re.fullmatch(r"Dataverse asked us to wait \d+ s", text) for text in said)
    try:
        time.sleep(1)  # the budget is spent
        css(app, "[data-testid='pending-commit']").click()
        try:
            WebDriverWait(app, 60, poll_frequency=0.2).until(waiting)
        except TimeoutException as error:
            panel = css(app, "[data-testid='pending-panel']").text
            raise AssertionError(f"no wait was shown (seen: {said}); the panel says: {panel}") from error
    finally:
        stop.set()
        spender.join()
    summary = css(app, "[data-testid='pending-summary']", 90).text
    assert summary.startswith("3 changes applied"), summary
    # Applied once each: a second application of a PATCH sent with If-Match would have been a conflict.
    for n, target in enumerate(targets):
        assert field(account(app_home, target["accountid"], "Throttled"), "telephone1") == f"555-013{n}"
        # The grid reads the records again after the commit (throttled too): its cell follows.
        WebDriverWait(app, 60).until(lambda _, t=target, k=n: cell_text(app, t["accountid"], "telephone1")
                                     == f"555-013{k}")
