"""Problems on the person's own machine, as they see them in the window: no Secret Service to keep a secret
in, and a connections file that cannot be read. Each is named with what to do, and nothing is written
instead (no secret in a file, no connections file overwritten)."""

from __future__ import annotations

from pathlib import Path

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness import SCREENSHOTS
from window_helpers import (
    add_org_in_window,
    card,
    cli,
    cli_add_org,
    cli_connections,
    close_dialog,
    css,
    in_view,
    keyring_items,
    screenshot,
    wait_for_text,
)


def test_without_a_keyring_saving_says_so_with_its_fix_and_saves_nothing(
    apps, app_home: Path, tmp_path: Path, sandbox: dict[str, str]
) -> None:
    before = keyring_items()
    # This app's session bus is a socket that does not exist: no Secret Service can be reached.
    app = apps.start({"DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path / 'no-such-bus'}"})
    add_org_in_window(app, sandbox, "Nowhere to keep it", sandbox["org_client_secret"])
    error = css(app, "[data-testid='add-error']")
    told = error.text
    assert "No keyring is available" in told, told
    assert "Secret Service" in told and "never in a file" in told, "and what to do about it: " + told
    assert not app.find_elements(By.CSS_SELECTOR, "[data-testid='verify-panel']"), "not saved, so not verified"
    screenshot(app, SCREENSHOTS / "no-keyring.png")
    try:
        WebDriverWait(app, 5).until(lambda _: in_view(app, error))
        seen = True
    except TimeoutException:
        seen = False
    close_dialog(app)

    assert not app.find_elements(By.CSS_SELECTOR, "article[aria-label='Nowhere to keep it']")
    assert not (app_home / "profiles.json").exists(), "no connection without its secret, no secret in a file"
    assert cli_connections(app_home) == []
    assert keyring_items() == before
    assert seen, "the error and its hint were out of sight in the dialog: the person had to scroll to them"


GARBAGE = b'{"format": 1, "profiles": [{"id": "3f1c", "name": "Half-writ'


def test_a_corrupt_connections_file_is_shown_with_its_fix_and_left_as_it_is(apps, app_home: Path,
                                                                           sandbox: dict[str, str]) -> None:
    # A connection saved, then changed (so that the previous version is kept as .bak), then the file broken.
    cli_add_org(app_home, sandbox, "In the backup", sandbox["org_client_secret"])
    tagged = cli(app_home, "connection", "tag", "In the backup", "dev")
    assert tagged.returncode == 0, tagged.stdout + tagged.stderr
    profiles, backup = app_home / "profiles.json", app_home / "profiles.json.bak"
    previous = backup.read_bytes()
    profiles.write_bytes(GARBAGE)
    before = keyring_items()
    app = apps.start()

    alert = css(app, "main [role='alert']")
    assert f"The connections file {profiles} cannot be read" in alert.text, alert.text
    assert f"Restore {backup}" in alert.text, alert.text
    screenshot(app, SCREENSHOTS / "corrupt-connections-file.png")

    # Saving a new connection is refused for the same reason, and does not replace the file.
    add_org_in_window(app, sandbox, "Over a corrupt file", sandbox["org_client_secret"])
    dialog = css(app, "[role='dialog']")
    refused = wait_for_text(app, dialog, f"Restore {backup}")
    assert not app.find_elements(By.CSS_SELECTOR, "[data-testid='verify-panel']"), "not saved, so not verified"
    screenshot(app, SCREENSHOTS / "corrupt-connections-file-on-save.png")
    close_dialog(app)
    assert not app.find_elements(By.CSS_SELECTOR, "article[aria-label='Over a corrupt file']")

    assert profiles.read_bytes() == GARBAGE, "the file is left byte for byte as it was"
    assert backup.read_bytes() == previous, "and so is its backup"
    assert keyring_items() == before, "no secret kept for a connection that was not saved"
    listed = cli(app_home, "connection", "list")
    assert listed.returncode != 0 and "vault.corrupt_profiles" in listed.stdout, listed.stdout + listed.stderr
    apps.quit(app)

    # The hint works: with the backup restored, the connection is back.
    profiles.write_bytes(previous)
    again = apps.start()
    card(again, "In the backup")
    assert not again.find_elements(By.CSS_SELECTOR, "main [role='alert']")

    # What the person was told when saving: the file is named as the problem (not the name they typed).
    at = refused.index("Restore")
    assert f"The connections file {profiles} cannot be read" in refused, refused[max(0, at - 200):at + 100]
