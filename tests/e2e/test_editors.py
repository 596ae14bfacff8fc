"""The editors fitted to their columns' metadata, in the real window on the built-in sandbox: a lead's status
reason offered only with its state and a new state staging its default status reason; a multi-select's
checkboxes, a memo's lines and a date and time of each behaviour, committed and read back with the CLI; a
multi-select filtered by the option it contains."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from e2e.test_filter_lookup import add_condition, apply, shown_count
from e2e.test_edit import (
    cell_text, cli_rows, commit, open_builtin_sandbox, open_editor, open_panel, show_column, staged,
)
from harness import SCREENSHOTS
from window_helpers import css, screenshot


def open_record_grid(app: WebDriver, table: str, key: str, record: str) -> None:
    """The table's grid, filtered to one record (so that its row is in sight)."""
    app.execute_script(f"window.location.hash = '#/connection/sandbox/table/{table}'")
    WebDriverWait(app, 30).until(lambda _: f"/table/{table}" in app.current_url)
    css(app, "[data-testid='grid']")
    WebDriverWait(app, 30).until(lambda _: "row" in css(app, "[data-testid='grid-count']").text)
    field = css(app, "[data-testid='grid-filter']")
    field.clear()
    field.send_keys(f"{key} eq {record}", Keys.ENTER)
    WebDriverWait(app, 30).until(lambda _: css(app, "[data-testid='grid-count']").text.strip().startswith("1 row"))


def options_of(app: WebDriver) -> list[str]:
    select = css(app, "[data-testid='cell-editor'] select[data-testid='cell-editor-input']")
    return [option.text.strip() for option in Select(select).options]


def set_input(app: WebDriver, selector: str, value: str) -> None:
    """Sets an input's value as typing would (WebKitGTK's date and time fields take no keys reliably)."""
    app.execute_script(
        "const field = document.querySelector(arguments[0]); field.value = arguments[1];"
        "field.dispatchEvent(new Event('input', {bubbles: true}));",
        selector, value,
    )


def test_a_status_reason_goes_with_its_state_and_a_new_state_brings_its_default(
    app: WebDriver, app_home: Path
) -> None:
    open_builtin_sandbox(app, app_home)
    [lead] = cli_rows(app_home, "lead", "--select", "fullname,statecode,statuscode",
                      "--filter", "statecode eq 0 and statuscode eq 1", "--top", "1")[:1]
    open_record_grid(app, "lead", "leadid", lead["leadid"])
    show_column(app, "Status Reason", "statuscode")

    # An open lead's status reasons only (Learn, lead: Open takes New and Contacted).
    open_editor(app, lead["leadid"], "statuscode")
    WebDriverWait(app, 30).until(lambda _: options_of(app) == ["(none)", "New", "Contacted"], options_of(app))
    css(app, "[data-testid='cell-editor-input']").send_keys(Keys.ESCAPE)

    # Disqualified: its default status reason (Lost) is proposed and staged with it.
    open_editor(app, lead["leadid"], "statecode")
    Select(css(app, "[data-testid='cell-editor'] select")).select_by_visible_text("Disqualified")
    proposal = css(app, "[data-testid='cell-editor-proposal']").text
    assert "Lost" in proposal, proposal
    screenshot(app, SCREENSHOTS / "editor-state-proposal.png")
    css(app, "[data-testid='cell-editor'] select").send_keys(Keys.ENTER)
    WebDriverWait(app, 30).until(lambda _: staged(app, lead["leadid"], "statecode"))
    WebDriverWait(app, 30).until(lambda _: staged(app, lead["leadid"], "statuscode"))
    assert cell_text(app, lead["leadid"], "statuscode") == "Lost"

    # With the new state staged, the status reasons offered are Disqualified's.
    open_editor(app, lead["leadid"], "statuscode")
    WebDriverWait(app, 30).until(
        lambda _: options_of(app) == ["(none)", "Lost", "Cannot Contact", "No Longer Interested"], options_of(app))
    css(app, "[data-testid='cell-editor-input']").send_keys(Keys.ESCAPE)

    open_panel(app)
    assert "2 changes applied" in commit(app)
    [after] = cli_rows(app_home, "lead", "--select", "statecode,statuscode", "--filter", f"leadid eq {lead['leadid']}")
    assert (after["statecode"], after["statuscode"]) == (2, 4)


def test_multi_select_memo_and_date_times_are_edited_as_their_columns_say(app: WebDriver, app_home: Path) -> None:
    open_builtin_sandbox(app, app_home)
    [project] = cli_rows(app_home, "cr0d1_project", "--select", "cr0d1_name", "--orderby", "cr0d1_name", "--top", "1")
    record = project["cr0d1_projectid"]
    open_record_grid(app, "cr0d1_project", "cr0d1_projectid", record)
    show_column(app, "Channels", "cr0d1_channels")
    show_column(app, "Kick-off", "cr0d1_kickoff")
    show_column(app, "Deadline", "cr0d1_deadline")

    # Channels: the boxes of Web and Social only.
    editor = open_editor(app, record, "cr0d1_channels")
    for box in editor.find_elements(By.CSS_SELECTOR, "label"):
        checkbox = box.find_element(By.CSS_SELECTOR, "input")
        if checkbox.is_selected() != (box.text.strip() in ("Web", "Social")):
            checkbox.click()
    editor.find_elements(By.CSS_SELECTOR, "input")[-1].send_keys(Keys.ENTER)
    WebDriverWait(app, 30).until(lambda _: staged(app, record, "cr0d1_channels"))
    assert cell_text(app, record, "cr0d1_channels") == "Web; Social"

    # Kick-off is time-zone independent: sent as typed. The deadline is user-local: sent as that local time in UTC.
    open_editor(app, record, "cr0d1_kickoff")
    assert "no time zone" in css(app, "[data-testid='cell-editor-zone']").text
    set_input(app, "[data-testid='cell-editor'] input[data-testid='cell-editor-input']", "2026-07-01T08:15")
    css(app, "[data-testid='cell-editor'] input[data-testid='cell-editor-input']").send_keys(Keys.ENTER)
    WebDriverWait(app, 30).until(lambda _: staged(app, record, "cr0d1_kickoff"))
    open_editor(app, record, "cr0d1_deadline")
    assert "local time" in css(app, "[data-testid='cell-editor-zone']").text
    set_input(app, "[data-testid='cell-editor'] input[data-testid='cell-editor-input']", "2026-07-01T08:15")
    css(app, "[data-testid='cell-editor'] input[data-testid='cell-editor-input']").send_keys(Keys.ENTER)
    WebDriverWait(app, 30).until(lambda _: staged(app, record, "cr0d1_deadline"))
    deadline = app.execute_script(
        "return new Date('2026-07-01T08:15:00').toISOString().replace('.000Z', 'Z')")
    screenshot(app, SCREENSHOTS / "editor-multi-select.png")

    open_panel(app)
    assert "3 changes applied" in commit(app)
    [after] = cli_rows(app_home, "cr0d1_project", "--select", "cr0d1_channels,cr0d1_kickoff,cr0d1_deadline",
                       "--filter", f"cr0d1_projectid eq {record}")
    assert after["cr0d1_channels"] == "100000002,100000003"
    assert after["cr0d1_kickoff"] == "2026-07-01T08:15:00Z"
    assert after["cr0d1_deadline"] == deadline


def test_a_memo_breaks_lines_with_shift_enter_and_stages_with_ctrl_enter(app: WebDriver, app_home: Path) -> None:
    open_builtin_sandbox(app, app_home)
    [account] = cli_rows(app_home, "account", "--select", "name", "--orderby", "name", "--top", "1")
    record = account["accountid"]
    open_record_grid(app, "account", "accountid", record)
    show_column(app, "Description", "description")

    open_editor(app, record, "description")
    area = css(app, "[data-testid='cell-editor'] textarea")
    area.send_keys(Keys.CONTROL, "a")
    area.send_keys("First line")
    area.send_keys(Keys.SHIFT, Keys.ENTER)
    area.send_keys("second line")
    assert not staged(app, record, "description")
    assert css(app, "[data-testid='cell-editor-counter']").text.startswith("22/")
    area.send_keys(Keys.CONTROL, Keys.ENTER)
    WebDriverWait(app, 30).until(lambda _: staged(app, record, "description"))

    open_panel(app)
    assert "1 change applied" in commit(app)
    [after] = cli_rows(app_home, "account", "--select", "description", "--filter", f"accountid eq {record}")
    assert after["description"] == "First line\nsecond line"


def test_a_multi_select_is_filtered_by_the_option_it_contains(app: WebDriver, app_home: Path) -> None:
    open_builtin_sandbox(app, app_home)
    app.execute_script("window.location.hash = '#/connection/sandbox/table/cr0d1_project'")
    WebDriverWait(app, 30).until(lambda _: shown_count(app) is not None)
    row = add_condition(app, "Channels", "cr0d1_channels")
    operators = [o.text for o in Select(row.find_element(By.CSS_SELECTOR, "[data-testid='condition-operator']")).options]
    assert "equals" not in operators, operators
    Select(row.find_element(By.CSS_SELECTOR, "[data-testid='condition-value']")).select_by_visible_text("Web")
    apply(app)
    web = cli_rows(app_home, "cr0d1_project", "--select", "cr0d1_channels", "--filter",
                  "Microsoft.Dynamics.CRM.ContainValues(PropertyName='cr0d1_channels',PropertyValues=['100000002'])")
    every = cli_rows(app_home, "cr0d1_project", "--select", "cr0d1_name")
    assert 0 < len(web) < len(every)
    WebDriverWait(app, 30).until(lambda _: shown_count(app) == len(web), (shown_count(app), len(web)))
