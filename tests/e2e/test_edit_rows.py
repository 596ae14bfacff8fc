"""Whole records in the real window, on the built-in sandbox: a new record from its form (a required column
missing is refused by name), a deletion that names the record, "Set column…" on 50 selected rows, a block of
tab-separated cells pasted into the grid, a production connection that asks for its name before a commit, and
a read-only one that shows no editing controls. Every write is checked with the CLI, outside the window."""

from __future__ import annotations

import json
import time
from pathlib import Path

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from harness import SCREENSHOTS
from e2e.test_edit import (
    CLI_CONNECTION,
    cell,
    cell_text,
    cli_rows,
    close_record,
    commit,
    edit_text,
    first_accounts,
    open_builtin_sandbox,
    open_panel,
    pending_count,
    sort_by,
    staged,
)
from window_helpers import cli, cli_connections, css, screenshot, wait_for_text

# The README's screenshots.


def open_grid(app: WebDriver, table: str, columns: list[str] | None = None, connection: str = "sandbox",
              filter_: str = "") -> None:
    """A table's grid on `connection`, with `columns` (remembered for it, as the column picker does)."""
    if columns:
        key = json.dumps([connection, table], separators=(",", ":"))
        app.execute_script("localStorage.setItem(arguments[0], arguments[1])", f"d365desk.columns:{key}",
                           json.dumps(columns))
    query = f"?filter={filter_}" if filter_ else ""
    app.execute_script("window.location.hash = arguments[0]", f"#/connection/{connection}/table/{table}{query}")
    css(app, "[data-testid='grid']")
    WebDriverWait(app, 30).until(lambda _: "row" in css(app, "[data-testid='grid-count']").text)


def grid_ids(app: WebDriver) -> list[str]:
    return [row.get_attribute("data-id") or "" for row in
            app.find_elements(By.CSS_SELECTOR, "[data-testid='grid-row'][data-id]")]


def field_input(app: WebDriver, column: str):
    return css(app, f"[data-testid='new-record-field'][data-column='{column}'] [data-testid='cell-editor-input']")


def test_a_new_record_missing_a_required_column_is_refused_by_name_then_created(
    app: WebDriver, app_home: Path
) -> None:
    open_builtin_sandbox(app, app_home)
    open_grid(app, "contact", ["fullname", "firstname", "emailaddress1"])
    css(app, "[data-testid='grid-new']").click()
    form = css(app, "[data-testid='new-record']")
    # The required column comes first.
    fields = [f.get_attribute("data-column") for f in form.find_elements(By.CSS_SELECTOR, "[data-testid='new-record-field']")]
    assert fields[0] == "lastname", fields
    assert "firstname" in fields and "emailaddress1" in fields, fields
    first = field_input(app, "firstname")
    first.click()
    first.send_keys("Ada")
    field_input(app, "emailaddress1").send_keys("ada@example.com")
    css(app, "[data-testid='new-record-stage']").click()

    # Refused beside the field, by its name; nothing staged.
    missing = css(app, "[data-testid='new-record-field'][data-column='lastname'] [data-testid='new-record-missing']")
    assert "Last Name is required" in missing.text, missing.text
    assert "Last Name" in css(app, "[data-testid='new-record-problem']").text
    assert pending_count(app) == 0
    screenshot(app, SCREENSHOTS / "new-record.png")

    lastname = f"Newperson{int(time.time())}"
    field_input(app, "lastname").send_keys(lastname)
    css(app, "[data-testid='new-record-stage']").click()
    WebDriverWait(app, 30).until(lambda _: not app.find_elements(By.CSS_SELECTOR, "[data-testid='new-record']"))
    marker = css(app, "[data-testid='new-record-row']")
    assert lastname in marker.text or "Ada" in marker.text or "New" in marker.text, marker.text
    assert pending_count(app) == 1
    assert cli_rows(app_home, "contact", "--select", "lastname", "--filter", f"lastname eq '{lastname}'") == []

    open_panel(app)
    assert "1 change applied" in commit(app)
    [created] = cli_rows(app_home, "contact", "--select", "firstname,lastname,emailaddress1",
                         "--filter", f"lastname eq '{lastname}'")
    assert (created["firstname"], created["emailaddress1"]) == ("Ada", "ada@example.com")
    WebDriverWait(app, 10).until(lambda _: not app.find_elements(By.CSS_SELECTOR, "[data-testid='new-record-row']"))


def pick_in_form(app: WebDriver, column: str, name: str, record_id: str) -> None:
    """Picks the record named `name` in the form's lookup field of `column`."""
    field = f"[data-testid='new-record-field'][data-column='{column}']"
    for change in app.find_elements(By.CSS_SELECTOR, f"{field} [data-testid='condition-lookup-change']"):
        change.click()
    css(app, f"{field} [data-testid='condition-lookup-input']").send_keys(name)
    css(app, f"{field} [data-testid='condition-lookup-option'][data-id='{record_id}']").click()


def test_a_new_record_the_commit_refuses_shows_the_message_beside_its_field(app: WebDriver, app_home: Path) -> None:
    open_builtin_sandbox(app, app_home)
    contacts = []
    for last in ("Doomedpick", "Keptpick"):
        done = cli(app_home, "create", CLI_CONNECTION, "contact", "--data",
                   json.dumps({"firstname": "Zed", "lastname": last}))
        assert done.returncode == 0, done.stdout + done.stderr
        contacts += cli_rows(app_home, "contact", "--select", "fullname", "--filter", f"lastname eq '{last}'")
    doomed, kept = contacts
    name = f"Zz Created {int(time.time())}"
    open_grid(app, "account", ["name", "primarycontactid"])
    css(app, "[data-testid='grid-new']").click()
    field_input(app, "name").send_keys(name)
    pick_in_form(app, "primarycontactid", doomed["fullname"], doomed["contactid"])
    css(app, "[data-testid='new-record-stage']").click()
    WebDriverWait(app, 30).until(lambda _: pending_count(app) == 1)
    deleted = cli(app_home, "delete", CLI_CONNECTION, "contact", doomed["contactid"])
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr

    open_panel(app)
    assert "0 changes applied" in commit(app)
    css(app, "[data-testid='new-record-refused']")  # the marker above the grid says so
    css(app, "[data-testid='new-record-open']").click()
    beside = css(app, "[data-testid='new-record-field'][data-column='primarycontactid'] "
                      "[data-testid='new-record-refused']")
    assert "Does Not Exist" in beside.text, beside.text
    assert field_input(app, "name").get_attribute("value") == name

    pick_in_form(app, "primarycontactid", kept["fullname"], kept["contactid"])
    css(app, "[data-testid='new-record-stage']").click()
    WebDriverWait(app, 30).until(lambda _: not app.find_elements(By.CSS_SELECTOR, "[data-testid='new-record']"))
    assert pending_count(app) == 1
    assert "1 change applied" in commit(app)
    [created] = cli_rows(app_home, "account", "--select", "name,primarycontactid", "--filter", f"name eq '{name}'")
    assert created["_primarycontactid_value"] == kept["contactid"], created


def test_delete_asks_with_the_record_s_name_and_the_commit_removes_it(app: WebDriver, app_home: Path) -> None:
    open_builtin_sandbox(app, app_home)
    name = f"Zz Doomed {int(time.time())}"
    created = cli(app_home, "create", CLI_CONNECTION, "account", "--data", json.dumps({"name": name}))
    assert created.returncode == 0, created.stdout + created.stderr
    [doomed] = cli_rows(app_home, "account", "--select", "name", "--filter", f"name eq '{name}'")
    open_grid(app, "account", ["name", "telephone1"], filter_=f"startswith(name,'Zz Doomed')")
    WebDriverWait(app, 30).until(lambda _: doomed["accountid"] in grid_ids(app))

    cell(app, doomed["accountid"], "name").click()
    css(app, "[data-testid='grid-delete']").click()
    question = css(app, "[data-testid='delete-records-question']")
    wait_for_text(app, question, name)
    assert css(app, "[data-testid='delete-records-confirm']").text == f"Delete {name}"
    css(app, "[data-testid='delete-records-confirm']").click()

    row = f"[data-testid='grid-row'][data-id='{doomed['accountid']}']"
    WebDriverWait(app, 10).until(lambda _: css(app, row).get_attribute("data-deleting") == "true")
    assert pending_count(app) == 1
    open_panel(app)
    assert name in css(app, "[data-testid='pending-panel']").text
    assert len(cli_rows(app_home, "account", "--select", "name", "--filter", f"name eq '{name}'")) == 1

    assert "1 change applied" in commit(app)
    assert cli_rows(app_home, "account", "--select", "name", "--filter", f"name eq '{name}'") == []
    WebDriverWait(app, 30).until(lambda _: doomed["accountid"] not in grid_ids(app))


def test_set_column_on_50_selected_rows_stages_50_changes_that_commit(app: WebDriver, app_home: Path) -> None:
    open_builtin_sandbox(app, app_home)
    open_grid(app, "account", ["name", "address1_city", "telephone1"])
    sort_by(app, "Account Name")
    first50 = first_accounts(app_home, 50)
    assert len(first50) == 50
    WebDriverWait(app, 30).until(lambda _: cell_text(app, first50[0]["accountid"], "name") == first50[0]["name"])
    rest = {row["accountid"]: row.get("address1_city") for row in
            cli_rows(app_home, "account", "--select", "address1_city", "--orderby", "name")[50:]}

    # The first row, then Shift-click the 50th (scrolled into sight: the grid shows only the rows in sight).
    cell(app, first50[0]["accountid"], "name").click()
    app.execute_script("document.querySelector(\"[data-testid='grid']\").scrollTop = 49 * 28 - 200")
    last = cell(app, first50[49]["accountid"], "name")
    ActionChains(app).key_down(Keys.SHIFT).click(last).key_up(Keys.SHIFT).perform()
    button = css(app, "[data-testid='grid-set-column']")
    WebDriverWait(app, 10).until(lambda _: button.text.strip().endswith("50"))
    button.click()
    Select(css(app, "[data-testid='set-column-column']")).select_by_value("address1_city")
    value = css(app, "[data-testid='set-column-value'] [data-testid='cell-editor-input']")
    value.send_keys("Bulkville")
    screenshot(app, SCREENSHOTS / "set-column.png")
    css(app, "[data-testid='set-column-apply']").click()
    WebDriverWait(app, 60).until(lambda _: pending_count(app) == 50)
    assert "set on 50 records" in css(app, "[data-testid='bulk-summary']").text
    assert staged(app, first50[49]["accountid"], "address1_city")

    open_panel(app)
    assert "50 changes applied" in commit(app)
    after = cli_rows(app_home, "account", "--select", "address1_city", "--orderby", "name")
    assert [row.get("address1_city") for row in after[:50]] == ["Bulkville"] * 50
    assert {row["accountid"]: row.get("address1_city") for row in after[50:]} == rest


# Excel's clipboard: CRLF rows, a trailing line break, a quoted cell with its quotes doubled.
BLOCK = '"North ""Quay"""\tConsulting\t1,200\r\n"Two\tTabs"\tAccounting\t7\r\n'


def put_on_clipboard(app: WebDriver, text: str) -> None:
    """Copies `text` to the real clipboard as a person would: selected in a text area, Ctrl+C."""
    app.execute_script("""
        const area = document.createElement('textarea');
        area.id = 'e2e-clipboard';
        area.value = arguments[0];
        document.body.appendChild(area);
        area.focus();
        area.select();
    """, text)
    ActionChains(app).key_down(Keys.CONTROL).send_keys("c").key_up(Keys.CONTROL).perform()
    app.execute_script("document.getElementById('e2e-clipboard').remove()")


def test_a_pasted_3x2_block_stages_six_changes_each_read_as_its_column_s_type(
    app: WebDriver, app_home: Path
) -> None:
    open_builtin_sandbox(app, app_home)
    open_grid(app, "account", ["name", "address1_city", "industrycode", "numberofemployees"])
    sort_by(app, "Account Name")
    first, second = first_accounts(app_home, 2)
    WebDriverWait(app, 30).until(lambda _: cell_text(app, first["accountid"], "name") == first["name"])

    put_on_clipboard(app, BLOCK)
    cell(app, first["accountid"], "address1_city").click()
    ActionChains(app).key_down(Keys.CONTROL).send_keys("v").key_up(Keys.CONTROL).perform()
    summary = css(app, "[data-testid='paste-summary']", 30)
    assert summary.text == "Pasted: 6 cells staged.", summary.text
    assert pending_count(app) == 6
    assert cell_text(app, first["accountid"], "address1_city") == 'North "Quay"'
    assert cell_text(app, first["accountid"], "industrycode") == "Consulting"
    assert cell_text(app, second["accountid"], "address1_city") == "Two\tTabs"

    open_panel(app)
    assert "6 changes applied" in commit(app)
    rows = {row["accountid"]: row for row in cli_rows(
        app_home, "account", "--select", "address1_city,industrycode,numberofemployees", "--orderby", "name",
        "--top", "2")}
    got = [(rows[r["accountid"]]["address1_city"], rows[r["accountid"]]["industrycode"],
            rows[r["accountid"]]["numberofemployees"]) for r in (first, second)]
    assert got == [('North "Quay"', 9, 1200), ("Two\tTabs", 1, 7)]


def test_one_value_pasted_over_selected_cells_fills_each(app: WebDriver, app_home: Path) -> None:
    open_builtin_sandbox(app, app_home)
    open_grid(app, "account", ["name", "address1_city", "telephone1"])
    sort_by(app, "Account Name")
    first, second, third = first_accounts(app_home, 3)
    WebDriverWait(app, 30).until(lambda _: cell_text(app, first["accountid"], "name") == first["name"])
    put_on_clipboard(app, "Fillham\r\n")
    cell(app, first["accountid"], "address1_city").click()
    ActionChains(app).key_down(Keys.SHIFT).click(cell(app, third["accountid"], "address1_city")).key_up(
        Keys.SHIFT).perform()
    ActionChains(app).key_down(Keys.CONTROL).send_keys("v").key_up(Keys.CONTROL).perform()
    assert css(app, "[data-testid='paste-summary']", 30).text == "Pasted: 3 cells staged."
    assert [cell_text(app, r["accountid"], "address1_city") for r in (first, second, third)] == ["Fillham"] * 3
    assert pending_count(app) == 3


def test_a_pasted_cell_that_cannot_be_read_is_not_staged_and_is_reported(app: WebDriver, app_home: Path) -> None:
    open_builtin_sandbox(app, app_home)
    open_grid(app, "account", ["name", "industrycode", "numberofemployees", "createdon"])
    sort_by(app, "Account Name")
    [first] = first_accounts(app_home, 1)
    WebDriverWait(app, 30).until(lambda _: cell_text(app, first["accountid"], "name") == first["name"])
    put_on_clipboard(app, "Farming\t12\t2024-01-01\r\n")
    cell(app, first["accountid"], "industrycode").click()
    ActionChains(app).key_down(Keys.CONTROL).send_keys("v").key_up(Keys.CONTROL).perform()
    summary = css(app, "[data-testid='paste-summary']", 30)
    assert summary.text == "Pasted: 1 cell staged, 2 not.", summary.text
    problems = [p.text for p in app.find_elements(By.CSS_SELECTOR, "[data-testid='paste-problem']")]
    assert "'Farming' is not an option of Industry" in problems[0], problems
    assert "Created On cannot be edited here" in problems[1], problems
    assert pending_count(app) == 1


def add_cli_sandbox(home: Path, name: str, *settings: list[str]) -> str:
    done = cli(home, "connection", "add", "sandbox", "--name", name)
    assert done.returncode == 0, done.stdout + done.stderr
    for setting in settings:
        done = cli(home, "connection", *setting)
        assert done.returncode == 0, done.stdout + done.stderr
    return next(c["id"] for c in cli_connections(home) if c["name"] == name)


def test_a_production_connection_asks_for_its_name_before_a_commit(apps, app_home: Path) -> None:
    prod = add_cli_sandbox(app_home, "Prod", ["tag", "Prod", "prod"], ["read-only", "Prod", "off"])
    app = apps.start()
    open_builtin_sandbox(app, app_home)
    open_grid(app, "account", ["name", "telephone1"], connection=prod)
    sort_by(app, "Account Name")
    [first] = first_accounts(app_home, 1)
    WebDriverWait(app, 30).until(lambda _: cell_text(app, first["accountid"], "name") == first["name"])
    edit_text(app, first["accountid"], "telephone1", "+1 555 0111")
    close_record(app)
    open_panel(app)
    css(app, "[data-testid='pending-commit']").click()

    confirm = css(app, "[data-testid='confirm-production']")
    assert "Prod" in confirm.text
    go = css(app, "[data-testid='confirm-production-commit']")
    assert not go.is_enabled()
    typed = css(app, "[data-testid='confirm-production-name']")
    typed.send_keys("prod")
    assert not go.is_enabled()
    assert cli_rows(app_home, "account", "--select", "telephone1", "--filter",
                    f"accountid eq {first['accountid']}")[0]["telephone1"] == first["telephone1"]
    typed.send_keys(Keys.CONTROL, "a")
    typed.send_keys("Prod")
    WebDriverWait(app, 5).until(lambda _: go.is_enabled())
    go.click()
    assert "1 change applied" in css(app, "[data-testid='pending-summary']", 60).text
    assert cli_rows(app_home, "account", "--select", "telephone1", "--filter",
                    f"accountid eq {first['accountid']}")[0]["telephone1"] == "+1 555 0111"


def test_leaving_for_a_read_only_connection_asks_first_and_it_shows_no_editing_controls(
    apps, app_home: Path
) -> None:
    read_only = add_cli_sandbox(app_home, "Looking", ["read-only", "Looking", "on"])
    app = apps.start()
    open_builtin_sandbox(app, app_home)
    open_grid(app, "account", ["name", "telephone1"])
    sort_by(app, "Account Name")
    [first] = first_accounts(app_home, 1)
    WebDriverWait(app, 30).until(lambda _: cell_text(app, first["accountid"], "name") == first["name"])
    edit_text(app, first["accountid"], "telephone1", "+1 555 0122")
    close_record(app)

    # Another connection picked with a change staged: asked first, the change kept.
    link = css(app, f"[data-testid='sidebar-connection'][href='#/connection/{read_only}']")
    link.click()
    guard = css(app, "[data-testid='unsaved-guard']")
    assert "1 staged change on D365 Desk Sandbox" in guard.text, guard.text
    assert "offered again" in guard.text
    css(app, "[data-testid='unsaved-guard-go']").click()
    WebDriverWait(app, 30).until(lambda _: f"/connection/{read_only}" in app.current_url)

    open_grid(app, "account", ["name", "telephone1"], connection=read_only)
    WebDriverWait(app, 30).until(lambda _: app.find_elements(By.CSS_SELECTOR, "[data-testid='grid-cell']"))
    for control in ["grid-new", "grid-delete", "grid-set-column"]:
        assert not app.find_elements(By.CSS_SELECTOR, f"[data-testid='{control}']"), control
    target = css(app, "[data-testid='grid-cell'][data-column='telephone1']")
    ActionChains(app).double_click(target).perform()
    close_record(app)
    target.click()
    ActionChains(app).send_keys(Keys.F2).send_keys(Keys.DELETE).perform()
    time.sleep(0.5)
    for editor in ["cell-editor", "delete-records", "grid-paste-catcher"]:
        assert not app.find_elements(By.CSS_SELECTOR, f"[data-testid='{editor}']"), editor
    # The sandbox's change is still staged, for later.
    app.execute_script("window.location.hash = '#/connection/sandbox/table/account'")
    WebDriverWait(app, 30).until(lambda _: pending_count(app) == 1)
