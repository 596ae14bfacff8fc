"""The grid at scale and under service protection, in the real window: a 10,000-row table scrolled to its
end by the keyboard (the next pages read as the window nears the end of those read), its last rows those
the CLI reads for the same order and copied as tab-separated text; and a sandbox that throttles, whose
wait the status bar counts down before the rows arrive (never an error)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from window_helpers import card, cli, cli_add_org, cli_connections, css


def cli_names(home: Path, *args: str) -> list[str]:
    done = cli(home, "query", "Scale", "account", "--format", "json", "--select", "name", *args)
    assert done.returncode == 0, done.stderr
    return [json.loads(line)["name"] for line in done.stdout.splitlines() if line.strip()]


def open_accounts_by_name(app: WebDriver, connection_id: str) -> None:
    app.execute_script(f"window.location.hash = '#/connection/{connection_id}/table/account'")
    name = "//*[@data-testid='grid-header'][starts-with(normalize-space(), 'Account Name')]"
    WebDriverWait(app, 30).until(lambda _: app.find_elements(By.XPATH, name))[0].click()


def text_of(element: WebElement) -> str:
    return (element.get_attribute("textContent") or "").strip()


def count_text(app: WebDriver) -> str:
    return css(app, "[data-testid='grid-count']").text.strip()


def cursor_text(app: WebDriver) -> str:
    cursor = app.find_elements(By.CSS_SELECTOR, "[data-testid='grid-cell'].cursor")
    return text_of(cursor[-1]) if cursor else ""


def test_a_ten_thousand_row_table_scrolls_to_its_end_and_copies_its_last_rows(
    apps, app_home: Path, start_sandbox: Callable[..., dict[str, str]]
) -> None:
    sandbox = start_sandbox("--seed", "10000")
    cli_add_org(app_home, sandbox, "Scale", sandbox["org_client_secret"])
    [saved] = cli_connections(app_home)
    every = cli_names(app_home, "--orderby", "name", "--all")
    assert len(every) == 10000
    app = apps.start()
    card(app, "Scale")
    open_accounts_by_name(app, saved["id"])
    seen: list[str] = []
    try:
        WebDriverWait(app, 30).until(lambda _: seen.append(text_of(css(app, "[data-testid='grid-cell']"))) or seen[-1] == every[0])
    except Exception as error:
        raise AssertionError(f"the grid starts at {seen[-1:]}, the CLI at {every[:3]}") from error
    # Dataverse counts up to 5,000: until every row is read, the grid says "5,000+".
    WebDriverWait(app, 30).until(lambda _: count_text(app) == "5,000+ rows")
    css(app, "[data-testid='grid-cell']").click()

    # Ctrl+End goes to the last row read (its last cell; Home to its first); near it, the next page is read, and the end moves on.
    def at_the_end(_: WebDriver) -> bool:
        ActionChains(app).key_down(Keys.CONTROL).send_keys(Keys.END).key_up(Keys.CONTROL).send_keys(Keys.HOME).perform()
        return count_text(app) == "10,000 rows" and cursor_text(app) == every[-1]
    try:
        WebDriverWait(app, 60, poll_frequency=0.5).until(at_the_end)
    except Exception as error:
        raise AssertionError(f"the grid says {count_text(app)!r}, the cursor is on {cursor_text(app)!r}") from error

    # The last three rows of the first column, copied as the CLI's last three names, one per line.
    ActionChains(app).key_down(Keys.SHIFT).send_keys(Keys.ARROW_UP, Keys.ARROW_UP).key_up(Keys.SHIFT).perform()
    ActionChains(app).key_down(Keys.CONTROL).send_keys("c").key_up(Keys.CONTROL).perform()
    copied = css(app, "[data-testid='grid-copied']")
    WebDriverWait(app, 10).until(lambda _: "Copied" in copied.text)
    # Pasted where lines survive: the console's body.
    app.execute_script(f"window.location.hash = '#/connection/{saved['id']}/console'")
    body = css(app, "[data-testid='console-body']")
    body.click()
    body.send_keys(Keys.CONTROL, "v")
    expected = "\n".join(every[-3:])
    WebDriverWait(app, 10).until(lambda _: (body.get_attribute("value") or "").rstrip("\r\n") == expected)


def test_a_throttled_read_waits_in_the_status_bar_then_shows_the_rows(
    apps, app_home: Path, start_sandbox: Callable[..., dict[str, str]]
) -> None:
    # Six requests per eight seconds: opening a table's grid needs more, so Dataverse asks for a wait.
    sandbox = start_sandbox("--throttle", "6/8")
    cli_add_org(app_home, sandbox, "Scale", sandbox["org_client_secret"])
    [saved] = cli_connections(app_home)
    app = apps.start()
    card(app, "Scale")
    app.execute_script(f"window.location.hash = '#/connection/{saved['id']}/table/account'")
    said: list[str] = []

    def waiting(_: WebDriver) -> bool:
        found = app.find_elements(By.CSS_SELECTOR, "[data-testid='status-wait']")
        said.extend(f.text for f in found if f.text)
        return any(re.fullmatch(r"Dataverse asked us to wait \d+ s", text) for text in said)
    WebDriverWait(app, 60, poll_frequency=0.2).until(waiting)
    # Then the data follows, the wait gone; no error was shown.
    WebDriverWait(app, 60).until(lambda _: re.fullmatch(r"[\d,]+\+? rows", count_text(app)))
    WebDriverWait(app, 30).until(lambda _: not app.find_elements(By.CSS_SELECTOR, "[data-testid='status-wait']"))
    assert not app.find_elements(By.CSS_SELECTOR, "[role='alert']"), [a.text for a in app.find_elements(By.CSS_SELECTOR, "[role='alert']")]
    assert css(app, "[data-testid='grid-row']")


def test_a_view_paged_only_by_its_cookie_is_read_to_its_end(
    apps, app_home: Path, start_sandbox: Callable[..., dict[str, str]]
) -> None:
    # A sandbox that answers a view as Dataverse may: the first page with a paging cookie, no next link.
    sandbox = start_sandbox("--seed", "6000", "--view-paging", "cookie")
    cli_add_org(app_home, sandbox, "Scale", sandbox["org_client_secret"])
    [saved] = cli_connections(app_home)
    active = cli_names(app_home, "--filter", "statecode eq 0", "--all")
    assert len(active) > 5000, "more than a page of active accounts"
    app = apps.start()
    card(app, "Scale")
    app.execute_script(f"window.location.hash = '#/connection/{saved['id']}/table/account'")
    picker = Select(css(app, "[data-testid='grid-views']"))
    WebDriverWait(app, 30).until(lambda _: any(o.text == "Active Accounts" for o in picker.options))
    picker.select_by_visible_text("Active Accounts")
    # The view's grid is open once its note shows (the plain grid had 5,000+ rows too).
    css(app, "[data-testid='grid-view-note']")
    WebDriverWait(app, 30).until(lambda _: count_text(app) == "5,000+ rows")
    css(app, "[data-testid='grid-load-all']").click()
    expected = f"{len(active):,} rows"
    try:
        WebDriverWait(app, 60).until(lambda _: count_text(app) == expected)
    except Exception as error:
        alerts = [a.text for a in app.find_elements(By.CSS_SELECTOR, "[role='alert']")]
        alerts.append(css(app, "[data-testid='records-screen']").text[:600])
        raise AssertionError(f"the grid says {count_text(app)!r}, the CLI reads {expected}; {alerts}") from error
