"""Import connections in the real window: an XrmToolBox connection file (one of the sample files of
crates/connections/tests/fixtures/import, chosen in the Open dialog as D365DESK_OPEN_FILE answers it: WebDriver
cannot drive the native file chooser) previewed with what comes over and what stays behind, the importable ones
imported, and each card saying what it waits for; nothing of the file's secrets in the keyring."""

from __future__ import annotations

from harness import REPO, SCREENSHOTS
from window_helpers import click, close_dialog, css, keyring_entries, screenshot

FIXTURES = REPO / "crates" / "connections" / "tests" / "fixtures" / "import"


def test_an_xrmtoolbox_file_is_previewed_and_its_connections_arrive_waiting(apps) -> None:
    app = apps.start({"D365DESK_OPEN_FILE": str(FIXTURES / "xrmtoolbox" / "Contoso.xml")})
    before = keyring_entries()
    click(app, "[data-testid='import-connections']")
    click(app, "[data-testid='import-choose']")
    css(app, "[data-testid='import-item']")
    items = app.find_elements("css selector", "[data-testid='import-item']")
    assert len(items) == 8, [i.text for i in items]
    assert "Windows certificate store" in items[1].text, items[1].text
    assert "on-premises" in items[6].text, items[6].text
    assert css(app, "[data-testid='import-apply']").text == "Import 6 connections"
    screenshot(app, SCREENSHOTS / "import-connections-preview.png")
    click(app, "[data-testid='import-apply']")
    outcome = css(app, "[data-testid='import-outcome']").text
    assert "Imported 6 connections, without any secret" in outcome, outcome
    assert "Contoso Test (certificate) — waits for its certificate" in outcome, outcome
    close_dialog(app)
    waiting = css(app, "article[aria-label='Contoso Dev'] [data-testid='connection-waiting']").text
    assert "Waiting for its client secret" in waiting, waiting
    prod = css(app, "article[aria-label='Contoso Prod'] [data-testid='connection-waiting']").text
    assert "Waiting for a sign-in" in prod, prod
    screenshot(app, SCREENSHOTS / "imported-connections-waiting.png")
    assert keyring_entries() == before, "an import keeps no secret"
