"""Browsing in the real window, against a sandbox process: the tables of a connection, found by typing; a
table's grid with the rows and count the CLI reads for the same query; sorting by a header and a raw
filter (a misspelt one refused with "did you mean"); the keyboard copy of a selection; the built-in
sandbox browsable from its card."""

from __future__ import annotations

import json
import re
from pathlib import Path

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from harness import SCREENSHOTS
from window_helpers import card, cli, cli_add_org, cli_connections, css, screenshot, wait_for_text


def cli_rows(home: Path, *args: str) -> list[dict]:
    """Rows the CLI reads with the same options (one JSON object per line)."""
    done = cli(home, "query", "Browse", "account", "--format", "json", *args)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def shown_count(app: WebDriver) -> int:
    """The number in the grid's count ("500 rows"), once it says one."""
    def number(_: WebDriver) -> int | None:
        text = css(app, "[data-testid='grid-count']").text
        found = re.search(r"^([\d,]+) rows?$", text.strip())
        return int(found.group(1).replace(",", "")) if found else None
    return WebDriverWait(app, 30).until(number)


def first_names(app: WebDriver, count: int) -> list[str]:
    """The first column of the first rows on screen (fewer or blank while they are being filled in)."""
    rows = app.find_elements(By.CSS_SELECTOR, "[data-testid='grid-row']")[:count]
    cells = [row.find_elements(By.CSS_SELECTOR, "[data-testid='grid-cell']")[0] for row in rows]
    return [(cell.get_attribute("textContent") or "").strip() for cell in cells]


def wait_for_names(app: WebDriver, expected: list[str]) -> None:
    seen: list[list[str]] = []
    try:
        WebDriverWait(app, 30).until(lambda _: seen.append(first_names(app, len(expected))) or seen[-1] == expected)
    except Exception as error:
        raise AssertionError(f"the grid shows {seen[-1:]}, the CLI {expected}") from error


def open_accounts(app: WebDriver, connection_id: str) -> None:
    app.execute_script(f"window.location.hash = '#/connection/{connection_id}'")
    search = css(app, "[data-testid='table-search']")
    search.send_keys("acc")
    first = css(app, "[data-testid='table-item']")
    wait_for_text(app, first, "Account")
    search.send_keys(Keys.ENTER)
    css(app, "[data-testid='grid']")


def test_a_table_found_by_typing_opens_on_the_rows_and_count_the_cli_reads(
    apps, app_home: Path, sandbox: dict[str, str]
) -> None:
    cli_add_org(app_home, sandbox, "Browse", sandbox["org_client_secret"])
    [saved] = cli_connections(app_home)
    app = apps.start()
    card(app, "Browse")
    open_accounts(app, saved["id"])
    assert app.current_url.endswith(f"#/connection/{saved['id']}/table/account"), app.current_url
    every = cli_rows(app_home, "--select", "name", "--all")
    assert shown_count(app) == len(every)
    screenshot(app, SCREENSHOTS / "records-grid.png")

    # Sorted by a click on the header: the CLI's $orderby gives the same first rows.
    def name_header():
        return app.find_element(By.XPATH, "//*[@data-testid='grid-header'][starts-with(normalize-space(), 'Account Name')]")
    name_header().click()
    expected = [row["name"] for row in cli_rows(app_home, "--select", "name", "--orderby", "name", "--top", "5")]
    wait_for_names(app, expected)
    name_header().click()  # descending
    expected = [row["name"] for row in cli_rows(app_home, "--select", "name", "--orderby", "name desc", "--top", "5")]
    wait_for_names(app, expected)

    # A raw filter: the count and rows of the CLI's same $filter.
    bar = css(app, "[data-testid='grid-filter']")
    bar.send_keys("startswith(name,'A')", Keys.ENTER)
    matching = cli_rows(app_home, "--select", "name", "--filter", "startswith(name,'A')", "--all")
    assert 0 < len(matching) < len(every)
    WebDriverWait(app, 30).until(lambda _: shown_count(app) == len(matching))

    # A misspelt column is refused before a request, the text kept as typed.
    bar.clear()
    bar.send_keys("nmae eq 'x'", Keys.ENTER)
    refused = css(app, "[data-testid='grid-filter-error']")
    wait_for_text(app, refused, "did you mean 'name'")
    assert bar.get_attribute("value") == "nmae eq 'x'"


def test_a_selection_copies_as_tab_separated_text(apps, app_home: Path, sandbox: dict[str, str]) -> None:
    cli_add_org(app_home, sandbox, "Browse", sandbox["org_client_secret"])
    [saved] = cli_connections(app_home)
    app = apps.start()
    card(app, "Browse")
    open_accounts(app, saved["id"])
    shown_count(app)
    row = css(app, "[data-testid='grid-row']")
    cells = row.find_elements(By.CSS_SELECTOR, "[data-testid='grid-cell']")
    cells[0].click()
    # The keys go where the click left the focus: the grid.
    ActionChains(app).key_down(Keys.SHIFT).send_keys(Keys.ARROW_RIGHT).key_up(Keys.SHIFT).perform()
    ActionChains(app).key_down(Keys.CONTROL).send_keys("c").key_up(Keys.CONTROL).perform()
    wait_for_text(app, css(app, "[data-testid='grid-copied']"), "Copied")
    text = [(cell.get_attribute("textContent") or "").strip() for cell in cells[:2]]
    expected = "\t".join(text)
    # Pasted where a person would paste it: the real clipboard, read back through an input.
    bar = css(app, "[data-testid='grid-filter']")
    bar.click()
    bar.send_keys(Keys.CONTROL, "v")
    WebDriverWait(app, 10).until(lambda _: bar.get_attribute("value") == expected)


def test_the_built_in_sandbox_browses_from_its_card(app) -> None:
    css(app, "[data-testid='sandbox-browse']").click()
    search = css(app, "[data-testid='table-search']")
    items = app.find_elements(By.CSS_SELECTOR, "[data-testid='table-item']")
    WebDriverWait(app, 60).until(lambda _: len(app.find_elements(By.CSS_SELECTOR, "[data-testid='table-item']")) > 5)
    items = app.find_elements(By.CSS_SELECTOR, "[data-testid='table-item']")
    assert items[0].text.startswith("Account"), items[0].text
    screenshot(app, SCREENSHOTS / "tables-list.png")
    search.send_keys("proj", Keys.ENTER)
    css(app, "[data-testid='grid']")
    assert shown_count(app) > 0


def test_a_system_view_shows_its_rows_and_the_record_view_opens_related_records(
    apps, app_home: Path, sandbox: dict[str, str]
) -> None:
    from selenium.webdriver.support.ui import Select

    cli_add_org(app_home, sandbox, "Browse", sandbox["org_client_secret"])
    [saved] = cli_connections(app_home)
    app = apps.start()
    card(app, "Browse")
    open_accounts(app, saved["id"])
    shown_count(app)

    # The view's rows are those of its filter, as the CLI reads them.
    picker = Select(css(app, "[data-testid='grid-views']"))
    WebDriverWait(app, 30).until(lambda _: any(o.text == "Inactive Accounts" for o in picker.options))
    picker.select_by_visible_text("Inactive Accounts")
    inactive = cli_rows(app_home, "--select", "name", "--filter", "statecode eq 1", "--all")
    assert inactive, "the sandbox has inactive accounts"
    WebDriverWait(app, 30).until(lambda _: shown_count(app) == len(inactive))
    wait_for_text(app, css(app, "[data-testid='grid-view-note']"), "view")
    picker.select_by_visible_text("All columns (no view)")
    every = cli_rows(app_home, "--select", "name", "--all")
    WebDriverWait(app, 30).until(lambda _: shown_count(app) == len(every))

    # Enter opens the record beside the grid; its related contacts open as their own grid.
    first = css(app, "[data-testid='grid-row']")
    first.find_elements(By.CSS_SELECTOR, "[data-testid='grid-cell']")[0].click()
    ActionChains(app).send_keys(Keys.ENTER).perform()  # Enter opens the record (a double-click edits)
    panel = css(app, "[data-testid='record-panel']")
    record_id = css(app, "[data-testid='record-id']").text.strip()
    assert re.fullmatch(r"[0-9a-f-]{36}", record_id), record_id
    assert css(app, "[data-testid='record-etag']").text.strip().startswith('W/"')
    contacts = [
        item for item in panel.find_elements(By.CSS_SELECTOR, "[data-testid='record-related-item']")
        if item.text.startswith("Contact")
    ]
    assert contacts, panel.text
    screenshot(app, SCREENSHOTS / "record-view.png")
    theirs = cli(app_home, "query", "Browse", "contact", "--format", "json", "--select", "fullname", "--all",
                 "--filter", f"_parentcustomerid_value eq {record_id}")
    assert theirs.returncode == 0, theirs.stderr
    expected = len([line for line in theirs.stdout.splitlines() if line.strip()])
    assert expected > 0
    contacts[0].click()
    WebDriverWait(app, 30).until(lambda _: "/table/contact" in app.current_url)
    WebDriverWait(app, 30).until(lambda _: shown_count(app) == expected)


def test_the_grids_view_exports_to_csv_and_excel_with_exactly_its_rows(
    apps, app_home: Path, sandbox: dict[str, str], tmp_path: Path
) -> None:
    import csv

    import openpyxl

    cli_add_org(app_home, sandbox, "Browse", sandbox["org_client_secret"])
    [saved] = cli_connections(app_home)
    target = tmp_path / "view.xlsx"
    # WebDriver cannot drive the native GTK Save dialog: the app's test seam answers it with this path.
    app = apps.start({"D365DESK_SAVE_AS": str(target)})
    card(app, "Browse")
    open_accounts(app, saved["id"])
    css(app, "[data-testid='grid-filter']").send_keys("startswith(name,'A')", Keys.ENTER)
    expected = cli_rows(app_home, "--select", "name,statecode", "--filter", "startswith(name,'A')", "--all")
    WebDriverWait(app, 30).until(lambda _: shown_count(app) == len(expected))
    by_id = {row["accountid"]: row for row in expected}

    def export(label: str) -> None:
        css(app, "[data-testid='grid-export']").click()
        app.find_element(By.XPATH, f"//*[@role='menuitem'][starts-with(normalize-space(), '{label}')]").click()
        wait_for_text(app, css(app, "[data-testid='grid-export-done']"), f"{len(expected)} rows")

    export("CSV")
    with target.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert {row["accountid"] for row in rows} == set(by_id)
    assert all(row["name"] == by_id[row["accountid"]]["name"] for row in rows)

    export("Excel")
    sheet = openpyxl.load_workbook(target, read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    header, body = list(values[0]), values[1:]
    assert {row[header.index("accountid")] for row in body} == set(by_id)
    for row in body:
        wanted = by_id[row[header.index("accountid")]]
        assert row[header.index("name")] == wanted["name"]
        # Option values as number cells, their labels beside them as text.
        assert row[header.index("statecode")] == wanted["statecode"], (row, wanted)
        assert row[header.index("statecode@formatted")] == wanted["statecode@formatted"], (row, wanted)


def test_the_console_sends_a_request_and_a_read_only_connection_refuses_a_write(
    apps, app_home: Path, sandbox: dict[str, str]
) -> None:
    from selenium.webdriver.support.ui import Select

    cli_add_org(app_home, sandbox, "Browse", sandbox["org_client_secret"])
    assert cli(app_home, "connection", "read-only", "Browse", "on").returncode == 0
    [saved] = cli_connections(app_home)
    app = apps.start()
    card(app, "Browse")
    app.execute_script(f"window.location.hash = '#/connection/{saved['id']}/console'")
    path = css(app, "[data-testid='console-path']")
    path.clear()
    path.send_keys("WhoAmI")
    css(app, "[data-testid='console-send']").click()
    wait_for_text(app, css(app, "[data-testid='console-status']"), "200")
    wait_for_text(app, css(app, "[data-testid='console-answer']"), '"UserId"')
    screenshot(app, SCREENSHOTS / "console.png")

    Select(css(app, "[data-testid='console-method']")).select_by_visible_text("PATCH")
    path.clear()
    path.send_keys("accounts(00000000-0000-0000-0000-000000000001)")
    css(app, "[data-testid='console-body']").send_keys('{"name": "Not sent"}')
    css(app, "[data-testid='console-send']").click()
    refused = css(app, "[data-testid='console-screen']")
    WebDriverWait(app, 30).until(lambda _: "read-only" in refused.text)
    history = css(app, "[data-testid='console-history']")
    assert "WhoAmI" in history.text
