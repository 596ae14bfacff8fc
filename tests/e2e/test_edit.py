"""Editing in the real window, on the built-in sandbox: cells changed inline are staged (marked in the grid,
listed in the Pending changes panel), survive a filter, a sort and another table, and are committed; an atomic
commit the server refuses writes nothing and keeps every change with the server's message; changes staged when
the app is killed come back on the next start and commit.

The CLI reads the same sandbox data as the window (a `sandbox` connection on the test's data folder), so every
check of what was written is made outside the window."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from harness import SCREENSHOTS
from window_helpers import cli, css, screenshot, wait_for_text

CLI_CONNECTION = "Local"
# What the comparisons read of every account: all the columns a person edits, none that Dataverse sets.
COLUMNS = "name,telephone1,accountnumber,emailaddress1,websiteurl,address1_city,revenue,numberofemployees," \
          "industrycode,creditonhold,description,primarycontactid,parentaccountid"


def app_pids(home: Path, binary: Path) -> list[int]:
    """The running app processes on `home` (as conftest's `app_processes`: the binary, D365DESK_HOME=home)."""
    marker = f"D365DESK_HOME={home}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if os.readlink(proc / "exe").removesuffix(" (deleted)") != str(binary.resolve()):
                continue
            if marker in (proc / "environ").read_bytes().split(b"\0"):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def open_builtin_sandbox(app: WebDriver, home: Path, add_cli: bool = True) -> None:
    """Starts the built-in sandbox from its card; the first time, gives the CLI a connection to the same data."""
    css(app, "[data-testid='sandbox-browse']").click()
    WebDriverWait(app, 60).until(lambda _: len(app.find_elements(By.CSS_SELECTOR, "[data-testid='table-item']")) > 5)
    if add_cli:
        added = cli(home, "connection", "add", "sandbox", "--name", CLI_CONNECTION)
        assert added.returncode == 0, added.stdout + added.stderr


def cli_rows(home: Path, table: str, *args: str) -> list[dict]:
    done = cli(home, "query", CLI_CONNECTION, table, "--format", "json", "--all", *args)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def accounts(home: Path) -> dict[str, dict]:
    """Every account as the CLI reads it, by id: the columns a person edits, without the version."""
    rows = cli_rows(home, "account", "--select", COLUMNS, "--orderby", "name")
    return {row["accountid"]: {k: v for k, v in row.items() if not k.startswith("@odata")} for row in rows}


def open_accounts(app: WebDriver) -> None:
    """The accounts' grid, with Main Phone among its columns (the picker remembers it)."""
    app.execute_script("window.location.hash = '#/connection/sandbox/table/account'")
    css(app, "[data-testid='grid']")
    WebDriverWait(app, 30).until(lambda _: "row" in css(app, "[data-testid='grid-count']").text)
    WebDriverWait(app, 30).until(lambda _: app.find_elements(By.CSS_SELECTOR, "[data-testid='grid-cell']"))
    show_column(app, "Main Phone", "telephone1")


def sort_by(app: WebDriver, label: str) -> None:
    app.find_element(
        By.XPATH, f"//*[@data-testid='grid-header'][starts-with(normalize-space(), '{label}')]"
    ).click()


def cell(app: WebDriver, record: str, column: str, timeout: float = 30) -> WebElement:
    """The record's cell of `column`, scrolled into sight (the grid scrolls sideways: the window is narrow)."""
    selector = f"[data-testid='grid-row'][data-id='{record}'] [data-testid='grid-cell'][data-column='{column}']"
    found = WebDriverWait(app, timeout).until(lambda _: app.find_elements(By.CSS_SELECTOR, selector))[0]
    app.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'center'})", found)
    return found


def cell_text(app: WebDriver, record: str, column: str) -> str:
    return (cell(app, record, column).get_attribute("textContent") or "").strip()


def staged(app: WebDriver, record: str, column: str) -> bool:
    try:
        return cell(app, record, column, 5).get_attribute("data-changed") == "true"
    except (StaleElementReferenceException, WebDriverException):
        return False


def open_editor(app: WebDriver, record: str, column: str) -> WebElement:
    """Double-clicks the cell near its right edge (a lookup's name at its left is a link); returns its editor."""
    target = cell(app, record, column)
    ActionChains(app).move_to_element_with_offset(target, target.size["width"] // 2 - 24, 0).double_click().perform()
    return css(app, f"[data-testid='grid-row'][data-id='{record}'] [data-testid='cell-editor']")


def edit_text(app: WebDriver, record: str, column: str, text: str) -> None:
    """Types `text` over the cell's value in its editor and stages it with Enter."""
    editor = open_editor(app, record, column)
    field = editor.find_element(By.CSS_SELECTOR, "[data-testid='cell-editor-input']")
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(text)
    field.send_keys(Keys.ENTER)
    WebDriverWait(app, 30).until(lambda _: staged(app, record, column), f"{column} of {record} was not staged")


def edit_lookup(app: WebDriver, record: str, column: str, name: str, target_id: str) -> None:
    """Picks the record named `name` in the cell's lookup editor: the pick is staged at once."""
    editor = open_editor(app, record, column)
    changes = editor.find_elements(By.CSS_SELECTOR, "[data-testid='condition-lookup-change']")
    if changes:
        changes[0].click()
    search = css(app, "[data-testid='cell-editor'] [data-testid='condition-lookup-input']")
    search.send_keys(name)
    css(app, f"[data-testid='cell-editor'] [data-testid='condition-lookup-option'][data-id='{target_id}']").click()
    WebDriverWait(app, 30).until(lambda _: staged(app, record, column), f"{column} of {record} was not staged")


def show_column(app: WebDriver, label: str, column: str) -> None:
    """Adds a column to the grid with the column picker (unless it shows already)."""
    if app.find_elements(By.CSS_SELECTOR, f"[data-testid='grid-cell'][data-column='{column}']"):
        return
    css(app, "[data-testid='grid-columns']").click()
    css(app, "[data-testid='grid-columns-search']").send_keys(label)
    css(app, f"[data-testid='grid-columns-panel'] label[title='{column}'] input").click()
    css(app, "[data-testid='grid-columns-apply']").click()
    WebDriverWait(app, 30).until(
        lambda _: app.find_elements(By.CSS_SELECTOR, f"[data-testid='grid-cell'][data-column='{column}']"))


def pending_count(app: WebDriver) -> int:
    return int(css(app, "[data-testid='pending-toggle-count']").text.strip())


def open_panel(app: WebDriver) -> WebElement:
    if not app.find_elements(By.CSS_SELECTOR, "[data-testid='pending-panel']"):
        css(app, "[data-testid='pending-toggle']").click()
    return css(app, "[data-testid='pending-panel']")


def listed(app: WebDriver) -> list[tuple[str | None, str | None, str, str]]:
    """The panel's changes: record id, column, old and new value as shown."""
    found = []
    for item in app.find_elements(By.CSS_SELECTOR, "[data-testid='pending-change']"):
        old = item.find_element(By.CSS_SELECTOR, "[data-testid='pending-old']").text.strip()
        new = item.find_element(By.CSS_SELECTOR, "[data-testid='pending-new']").text.strip()
        found.append((item.get_attribute("data-id"), item.get_attribute("data-column"), old, new))
    return sorted(found, key=lambda change: (change[0] or "", change[1] or ""))


def commit(app: WebDriver, mode: str = "Atomic: all or nothing") -> str:
    """Commits from the panel in `mode`; returns what it says once done."""
    Select(css(app, "[data-testid='pending-mode']")).select_by_visible_text(mode)
    css(app, "[data-testid='pending-commit']").click()
    return css(app, "[data-testid='pending-summary']", 60).text


def close_record(app: WebDriver) -> None:
    for button in app.find_elements(By.CSS_SELECTOR, "[data-testid='record-close']"):
        button.click()


def first_accounts(home: Path, count: int) -> list[dict]:
    return cli_rows(home, "account", "--select", "name,telephone1,primarycontactid", "--orderby", "name",
                    "--top", str(count))[:count]


def test_two_columns_of_two_accounts_edited_inline_are_committed_and_nothing_else_changes(
    app: WebDriver, app_home: Path
) -> None:
    open_builtin_sandbox(app, app_home)
    open_accounts(app)
    sort_by(app, "Account Name")
    first, second = first_accounts(app_home, 2)
    WebDriverWait(app, 30).until(lambda _: cell_text(app, first["accountid"], "name") == first["name"])
    before = accounts(app_home)

    phone, name = "+1 555 0100", f"{second['name']} (edited)"
    edit_text(app, first["accountid"], "telephone1", phone)
    edit_text(app, second["accountid"], "name", name)
    close_record(app)
    assert cell_text(app, first["accountid"], "telephone1") == phone
    assert cell(app, first["accountid"], "telephone1").get_attribute("title") == f"Was: {first['telephone1']}"
    assert pending_count(app) == 2

    open_panel(app)
    assert listed(app) == sorted([
        (first["accountid"], "telephone1", first["telephone1"], phone),
        (second["accountid"], "name", second["name"], name),
    ])
    names = [n.text for n in app.find_elements(By.CSS_SELECTOR, "[data-testid='pending-record-name']")]
    assert sorted(names) == sorted([first["name"], second["name"]])
    screenshot(app, SCREENSHOTS / "pending-changes.png")
    # Nothing is written before the commit.
    assert accounts(app_home) == before

    assert "2 changes applied" in commit(app)
    assert pending_count(app) == 0
    # The grid reads the records again: the new values, no longer marked.
    WebDriverWait(app, 30).until(lambda _: cell_text(app, second["accountid"], "name") == name)
    assert not staged(app, second["accountid"], "name")
    assert cell_text(app, first["accountid"], "telephone1") == phone

    after = accounts(app_home)
    before[first["accountid"]]["telephone1"] = phone
    before[second["accountid"]]["name"] = name
    assert after == before


def test_a_staged_change_survives_a_filter_a_sort_and_another_table(app: WebDriver, app_home: Path) -> None:
    open_builtin_sandbox(app, app_home)
    open_accounts(app)
    sort_by(app, "Account Name")
    [first] = first_accounts(app_home, 1)
    WebDriverWait(app, 30).until(lambda _: cell_text(app, first["accountid"], "name") == first["name"])
    edit_text(app, first["accountid"], "telephone1", "+1 555 0199")
    close_record(app)

    # A filter that keeps the account, then another sort.
    prefix = first["name"][:3].replace("'", "''")
    css(app, "[data-testid='grid-filter']").send_keys(f"startswith(name,'{prefix}')", Keys.ENTER)
    kept = cli_rows(app_home, "account", "--select", "name", "--filter", f"startswith(name,'{prefix}')")
    WebDriverWait(app, 30).until(lambda _: css(app, "[data-testid='grid-count']").text.strip().startswith(
        f"{len(kept)} row"))
    sort_by(app, "Main Phone")
    WebDriverWait(app, 30).until(lambda _: staged(app, first["accountid"], "telephone1"))
    assert cell_text(app, first["accountid"], "telephone1") == "+1 555 0199"

    # Another table and back: still staged.
    app.execute_script("window.location.hash = '#/connection/sandbox/table/contact'")
    WebDriverWait(app, 30).until(lambda _: "/table/contact" in app.current_url)
    css(app, "[data-testid='grid']")
    assert pending_count(app) == 1
    open_accounts(app)
    sort_by(app, "Account Name")
    WebDriverWait(app, 30).until(lambda _: staged(app, first["accountid"], "telephone1"))
    assert pending_count(app) == 1
    open_panel(app)
    assert listed(app) == [(first["accountid"], "telephone1", first["telephone1"], "+1 555 0199")]
    # Nothing was written.
    assert cli_rows(app_home, "account", "--select", "telephone1", "--filter",
                    f"accountid eq {first['accountid']}")[0]["telephone1"] == first["telephone1"]


def test_an_atomic_commit_the_server_refuses_writes_nothing_and_keeps_both_changes(
    app: WebDriver, app_home: Path
) -> None:
    open_builtin_sandbox(app, app_home)
    # A contact to point to, deleted (outside the window) once the change to it is staged.
    created = cli(app_home, "create", CLI_CONNECTION, "contact", "--data",
                  json.dumps({"firstname": "Zed", "lastname": "Doomedcontact"}))
    assert created.returncode == 0, created.stdout + created.stderr
    doomed = cli_rows(app_home, "contact", "--select", "fullname", "--filter", "lastname eq 'Doomedcontact'")[0]
    open_accounts(app)
    sort_by(app, "Account Name")
    first, second = first_accounts(app_home, 2)
    WebDriverWait(app, 30).until(lambda _: cell_text(app, first["accountid"], "name") == first["name"])
    before = accounts(app_home)

    edit_text(app, first["accountid"], "telephone1", "+1 555 0142")
    close_record(app)
    show_column(app, "Primary Contact", "primarycontactid")
    # The grid reopened with the column: the change staged before is still there.
    WebDriverWait(app, 30).until(lambda _: staged(app, first["accountid"], "telephone1"))
    edit_lookup(app, second["accountid"], "primarycontactid", doomed["fullname"], doomed["contactid"])
    close_record(app)
    deleted = cli(app_home, "delete", CLI_CONNECTION, "contact", doomed["contactid"])
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr

    open_panel(app)
    summary = commit(app)
    assert "0 changes applied" in summary, summary
    outcomes = {
        item.get_attribute("data-column"): item.find_element(By.CSS_SELECTOR, "[data-testid='pending-outcome']").text
        for item in app.find_elements(By.CSS_SELECTOR, "[data-testid='pending-change']")
    }
    assert "Does Not Exist" in outcomes["primarycontactid"], outcomes
    assert "Not applied" in outcomes["telephone1"], outcomes
    assert pending_count(app) == 2
    assert staged(app, first["accountid"], "telephone1") and staged(app, second["accountid"], "primarycontactid")
    screenshot(app, SCREENSHOTS / "pending-refused.png")
    assert accounts(app_home) == before


def test_changes_staged_when_the_app_is_killed_come_back_and_commit(apps, app_home: Path) -> None:
    app = apps.start()
    open_builtin_sandbox(app, app_home)
    open_accounts(app)
    sort_by(app, "Account Name")
    first, second = first_accounts(app_home, 2)
    WebDriverWait(app, 30).until(lambda _: cell_text(app, first["accountid"], "name") == first["name"])
    before = accounts(app_home)
    phone, name = "+1 555 0177", f"{second['name']} (kept)"
    edit_text(app, first["accountid"], "telephone1", phone)
    edit_text(app, second["accountid"], "name", name)

    # The journal has both changes on disk before the app is killed.
    journal = app_home / "pending" / "sandbox.json"
    deadline = time.monotonic() + 30
    while not (journal.is_file() and name in journal.read_text() and phone in journal.read_text()):
        assert time.monotonic() < deadline, f"no journal with both changes at {journal}"
        time.sleep(0.2)
    pids = app_pids(app_home, apps.binary)
    assert pids
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    apps.closed.add(apps.drivers.index(app))
    try:
        app.quit()
    except WebDriverException:
        pass  # its app is gone
    deadline = time.monotonic() + 30
    while app_pids(app_home, apps.binary):
        assert time.monotonic() < deadline, "the killed app is still running"
        time.sleep(0.1)

    again = apps.start()
    # The Connections screen says which connection has changes kept; opening it offers them.
    wait_for_text(again, css(again, "[data-testid='pending-waiting']"), "D365 Desk Sandbox")
    open_builtin_sandbox(again, app_home, add_cli=False)
    offer = css(again, "[data-testid='pending-offer']")
    assert "2 changes are staged (kept from before)" in offer.text, offer.text
    offer.find_element(By.CSS_SELECTOR, "[data-testid='pending-offer-table']").click()
    WebDriverWait(again, 30).until(lambda _: "/table/account" in again.current_url)
    css(again, "[data-testid='pending-panel']")
    assert "2 changes kept from before were restored" in css(again, "[data-testid='pending-restored']").text
    assert listed(again) == sorted([
        (first["accountid"], "telephone1", first["telephone1"], phone),
        (second["accountid"], "name", second["name"], name),
    ])
    assert accounts(app_home) == before

    assert "2 changes applied" in commit(again)
    assert pending_count(again) == 0
    before[first["accountid"]]["telephone1"] = phone
    before[second["accountid"]]["name"] = name
    assert accounts(app_home) == before
    # Nothing is left to offer on the next start: the journal is gone with the changes.
    assert not journal.exists()
