"""The visual filter and the lookups in the real window, on the built-in sandbox: conditions built on a text
column, an option set and a lookup (its record picked by typing part of its name) each show the rows the CLI
reads for the same $filter and $orderby, and survive a reload; a record's lookup is followed in the record
panel and Back returns to it, and its related contacts open as their grid with the CLI's count.

The CLI reads the same sandbox data as the window: a `sandbox` connection on the test's data folder runs the
sandbox in-process on the app's own data file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from harness import SCREENSHOTS
from window_helpers import cli, css, screenshot, wait_for_text

CLI_CONNECTION = "Local"


def open_builtin_sandbox(app: WebDriver, home: Path) -> None:
    """Starts the built-in sandbox from its card, then gives the CLI a connection to the same data."""
    css(app, "[data-testid='sandbox-browse']").click()
    WebDriverWait(app, 60).until(lambda _: len(app.find_elements(By.CSS_SELECTOR, "[data-testid='table-item']")) > 5)
    added = cli(home, "connection", "add", "sandbox", "--name", CLI_CONNECTION)
    assert added.returncode == 0, added.stdout + added.stderr


def cli_rows(home: Path, table: str, *args: str) -> list[dict]:
    """Rows the CLI reads from the same sandbox data (one JSON object per line)."""
    done = cli(home, "query", CLI_CONNECTION, table, "--format", "json", "--all", *args)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def shown_count(app: WebDriver) -> int | None:
    """The number in the grid's count ("12 rows"), or None while it says something else."""
    text = css(app, "[data-testid='grid-count']").text.strip()
    found = re.search(r"^([\d,]+) rows?$", text)
    return int(found.group(1).replace(",", "")) if found else None


def shown_ids(app: WebDriver, count: int) -> list[str | None]:
    """The record ids of the first rows on screen (None for a row still being read)."""
    rows = app.find_elements(By.CSS_SELECTOR, "[data-testid='grid-row']")[:count]
    return [row.get_attribute("data-id") for row in rows]


def wait_for_rows(app: WebDriver, expected: list[dict], id_column: str, first: int = 15) -> None:
    """Waits until the grid counts the CLI's rows and shows its first ones, in its order."""
    ids = [row[id_column] for row in expected[:first]]
    seen: list[object] = []

    def matches(_: WebDriver) -> bool:
        seen.append((shown_count(app), shown_ids(app, len(ids))))
        return seen[-1] == (len(expected), ids)

    try:
        WebDriverWait(app, 30).until(matches)
    except Exception as error:
        raise AssertionError(f"the grid shows {seen[-1:]}, the CLI {(len(expected), ids)}") from error


def open_accounts_sorted_by_name(app: WebDriver) -> None:
    app.execute_script("window.location.hash = '#/connection/sandbox/table/account'")
    sort_by_name(app)


def sort_by_name(app: WebDriver) -> None:
    css(app, "[data-testid='grid']")
    WebDriverWait(app, 30).until(lambda _: shown_count(app) is not None)
    app.find_element(
        By.XPATH, "//*[@data-testid='grid-header'][starts-with(normalize-space(), 'Account Name')]"
    ).click()


def add_condition(app: WebDriver, query: str, column: str) -> WebElement:
    """Adds a condition on `column`, found in the column chooser by typing `query`; returns its row."""
    css(app, "[data-testid='filter-add-condition']").click()
    row = app.find_elements(By.CSS_SELECTOR, "[data-testid='filter-condition']")[-1]
    chooser = row.find_element(By.CSS_SELECTOR, "[data-testid='condition-column']")
    chooser.send_keys(query)
    option = css(app, f"[data-testid='condition-column-option'][data-column='{column}']")
    assert column in option.text, option.text  # the logical name is shown beside the label
    option.click()
    WebDriverWait(app, 10).until(lambda _: row.get_attribute("data-column") == column)
    return row


def apply(app: WebDriver) -> None:
    css(app, "[data-testid='grid-filter-apply']").click()


def route_where(app: WebDriver) -> list[dict]:
    """The conditions the address keeps (`&where=`)."""
    found = re.search(r"[?&]where=([^&]*)", app.current_url)
    assert found, app.current_url
    return json.loads(unquote(found.group(1).replace("+", " ")))


def test_conditions_on_text_an_option_set_and_a_lookup_show_the_rows_the_cli_reads(
    app: WebDriver, app_home: Path
) -> None:
    open_builtin_sandbox(app, app_home)
    open_accounts_sorted_by_name(app)
    every = cli_rows(app_home, "account", "--select", "name", "--orderby", "name")
    wait_for_rows(app, every, "accountid")

    # A text column: Account Name contains a word of the first account's name.
    first = cli_rows(app_home, "account", "--select", "name,industrycode,primarycontactid", "--orderby", "name",
                     "--top", "1")[0]
    word = first["name"].split()[-1]
    row = add_condition(app, "account na", "name")
    assert Select(row.find_element(By.CSS_SELECTOR, "[data-testid='condition-operator']")).first_selected_option.text \
        == "contains"
    row.find_element(By.CSS_SELECTOR, "[data-testid='condition-value']").send_keys(word, Keys.ENTER)
    text_filter = f"contains(name,'{word}')"
    named = cli_rows(app_home, "account", "--select", "name", "--orderby", "name", "--filter", text_filter)
    assert 1 < len(named) < len(every), (word, len(named))
    wait_for_rows(app, named, "accountid")

    # An option set, picked by its label: Industry equals the first account's industry.
    row = add_condition(app, "Indus", "industrycode")
    Select(row.find_element(By.CSS_SELECTOR, "[data-testid='condition-value']")).select_by_visible_text(
        first["industrycode@formatted"]
    )
    apply(app)
    option_filter = f"{text_filter} and industrycode eq {first['industrycode']}"
    in_industry = cli_rows(app_home, "account", "--select", "name", "--orderby", "name", "--filter", option_filter)
    assert 0 < len(in_industry) < len(named)
    wait_for_rows(app, in_industry, "accountid")

    # A lookup: Primary Contact is the contact picked by typing part of its name.
    contact_id, contact_name = first["_primarycontactid_value"], first["_primarycontactid_value@formatted"]
    row = add_condition(app, "primary cont", "primarycontactid")
    search = row.find_element(By.CSS_SELECTOR, "[data-testid='condition-lookup-input']")
    search.send_keys(contact_name[:-2])  # part of the name only
    css(app, f"[data-testid='condition-lookup-option'][data-id='{contact_id}']").click()
    chosen = row.find_element(By.CSS_SELECTOR, "[data-testid='condition-lookup-chosen']")
    assert chosen.text == contact_name
    apply(app)
    lookup_filter = f"{option_filter} and _primarycontactid_value eq {contact_id}"
    theirs = cli_rows(app_home, "account", "--select", "name", "--orderby", "name", "--filter", lookup_filter)
    assert first["accountid"] in [found["accountid"] for found in theirs]
    wait_for_rows(app, theirs, "accountid")
    screenshot(app, SCREENSHOTS / "visual-filter.png")

    # The address keeps them: the lookup by its id, with its name to show.
    assert route_where(app) == [
        {"column": "name", "operator": "contains", "value": word},
        {"column": "industrycode", "operator": "eq", "value": str(first["industrycode"])},
        {"column": "primarycontactid", "operator": "eq", "value": contact_id, "label": contact_name},
    ]
    app.refresh()
    WebDriverWait(app, 30).until(lambda _: len(app.find_elements(By.CSS_SELECTOR, "[data-testid='filter-condition']")) == 3)
    wait_for_text(app, css(app, "[data-testid='condition-lookup-chosen']"), contact_name)
    wait_for_rows(app, theirs, "accountid")
    sort_by_name(app)  # the sort is the window's own, not the address's

    # A number is checked as it is typed: a letter never gets in, nor a point into a whole number.
    row = add_condition(app, "employees", "numberofemployees")
    value = row.find_element(By.CSS_SELECTOR, "[data-testid='condition-value']")
    value.send_keys("12x.5")
    assert value.get_attribute("value") == "125"
    remove = row.find_element(By.CSS_SELECTOR, "[data-testid='condition-remove']")
    remove.click()
    WebDriverWait(app, 10).until(lambda _: len(app.find_elements(By.CSS_SELECTOR, "[data-testid='filter-condition']")) == 3)

    # Clear all: every account again.
    css(app, "[data-testid='filter-clear-all']").click()
    wait_for_rows(app, every, "accountid")
    assert "where=" not in app.current_url, app.current_url


def test_a_lookup_followed_in_the_record_panel_goes_back_and_related_contacts_open_filtered(
    app: WebDriver, app_home: Path
) -> None:
    open_builtin_sandbox(app, app_home)
    open_accounts_sorted_by_name(app)
    first = cli_rows(app_home, "account", "--select", "name,primarycontactid", "--orderby", "name", "--top", "1")[0]
    WebDriverWait(app, 30).until(lambda _: shown_ids(app, 1) == [first["accountid"]])

    # The grid's lookup cell is a link to its record.
    # The row's cells fill once its block of rows is read: the link is waited for, not assumed.
    link = WebDriverWait(app, 30).until(lambda _: app.find_elements(
        By.CSS_SELECTOR, "[data-testid='grid-row'] [data-testid='grid-lookup']"))[0]
    row = css(app, "[data-testid='grid-row']")
    name = link.text.strip()
    assert name
    link.click()
    wait_for_text(app, css(app, "[data-testid='record-title']"), name)
    css(app, "[data-testid='record-close']").click()

    # The row's record; its Primary Contact followed to the contact, and Back.
    row.find_elements(By.CSS_SELECTOR, "[data-testid='grid-cell']")[0].click()
    ActionChains(app).send_keys(Keys.ENTER).perform()  # Enter opens the record (a double-click edits)
    record_id = css(app, "[data-testid='record-id']")
    WebDriverWait(app, 30).until(lambda _: record_id.text.strip() == first["accountid"])
    assert not app.find_elements(By.CSS_SELECTOR, "[data-testid='record-back']")
    lookup = css(app, "[data-testid='record-field'][data-column='primarycontactid'] [data-testid='record-lookup']")
    assert lookup.text == first["_primarycontactid_value@formatted"]
    lookup.click()
    WebDriverWait(app, 30).until(
        lambda _: css(app, "[data-testid='record-id']").text.strip() == first["_primarycontactid_value"]
    )
    wait_for_text(app, css(app, "[data-testid='record-title']"), first["_primarycontactid_value@formatted"])
    screenshot(app, SCREENSHOTS / "record-followed.png")
    css(app, "[data-testid='record-back']").click()
    WebDriverWait(app, 30).until(lambda _: css(app, "[data-testid='record-id']").text.strip() == first["accountid"])
    wait_for_text(app, css(app, "[data-testid='record-title']"), first["name"])
    assert not app.find_elements(By.CSS_SELECTOR, "[data-testid='record-back']")

    # Its related contacts: their grid, filtered to this account, with the CLI's count.
    panel = css(app, "[data-testid='record-panel']")
    WebDriverWait(app, 30).until(lambda _: panel.find_elements(By.CSS_SELECTOR, "[data-testid='record-related-item']"))
    contacts = [
        item for item in panel.find_elements(By.CSS_SELECTOR, "[data-testid='record-related-item']")
        if item.text.startswith("Contact") and "Company Name" in item.text
    ]
    assert contacts, panel.text
    theirs = cli_rows(app_home, "contact", "--select", "fullname", "--filter",
                      f"_parentcustomerid_value eq {first['accountid']}")
    assert theirs
    contacts[0].click()
    WebDriverWait(app, 30).until(lambda _: "/table/contact" in app.current_url)
    assert first["accountid"] in unquote(app.current_url), app.current_url
    WebDriverWait(app, 30).until(lambda _: shown_count(app) == len(theirs))
    shown = set(shown_ids(app, len(theirs)))
    assert shown == {contact["contactid"] for contact in theirs}, shown
