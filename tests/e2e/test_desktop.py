"""The app behaves like a desktop app, in the real window: a second start hands over to the running app and
exits; the window opens again at the size and place it had when the person closed it (never off-screen);
and the log file, at its most talkative (RUST_LOG=trace), holds no secret or token, nor does anything else
the app writes in its data folder.

The window is closed as a window manager closes it when its close button is clicked: a WM_DELETE_WINDOW
message to the app's X window (there is no window manager under Xvfb). WebDriver's close window command is
no such close: the last window's close ends the session and the app is stopped without its exit running.
"""

from __future__ import annotations

import ctypes
import json
import re
import subprocess
import time
from pathlib import Path

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from e2e.conftest import app_processes
from e2e import test_edit as edit
from e2e.test_browse import open_accounts, shown_count
from e2e.test_org_connection import _add_org
from window_helpers import close_dialog, css

STATE_FILE = Path("config") / "dev.d365desk.app" / ".window-state.json"
SCREEN = (1280, 800)  # scripts/test-env.sh's Xvfb screen


def log_text(home: Path) -> str:
    """Everything in the app's log files (<home>/logs/d365-desk.<date>.log)."""
    return "".join(path.read_text(errors="replace") for path in sorted((home / "logs").glob("d365-desk.*.log")))


def wait_for(condition, timeout: float, what: str):  # noqa: ANN001, ANN201 (any check)
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s")
        time.sleep(0.1)


def _x11_window(pid: int) -> int:
    """The app's top-level X window (the one that has the app's title)."""
    found = subprocess.run(["xdotool", "search", "--all", "--pid", str(pid), "--name", "^D365 Desk$"],
                           capture_output=True, text=True, check=False)
    ids = [int(line) for line in found.stdout.split()]
    assert ids, f"no X window of the app (pid {pid}): {found.stderr}"
    return ids[0]


class _ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]


class _XEvent(ctypes.Union):
    _fields_ = [("xclient", _ClientMessage), ("pad", ctypes.c_long * 24)]


def close_like_a_window_manager(window: int) -> None:
    """Sends WM_DELETE_WINDOW, as a window manager does for a click on the close button: GTK turns it into
    the window's close request, which runs the app's close guard and its normal exit."""
    x11 = ctypes.cdll.LoadLibrary("libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
    x11.XFlush.argtypes = x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(None)
    assert display, "no X display"
    try:
        event = _XEvent()
        message = event.xclient
        message.type, message.send_event, message.display, message.window = 33, 1, display, window  # ClientMessage
        message.message_type = x11.XInternAtom(display, b"WM_PROTOCOLS", 0)
        message.format = 32
        message.data[0] = x11.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
        message.data[1] = 0  # CurrentTime
        assert x11.XSendEvent(display, window, 0, 0, ctypes.byref(event)), "XSendEvent failed"
        x11.XFlush(display)
    finally:
        x11.XCloseDisplay(display)


def click_close(apps) -> None:  # noqa: ANN001 (the Apps fixture)
    """What a click on the window's close button does."""
    [pid] = app_processes(apps.home, apps.binary)
    close_like_a_window_manager(_x11_window(pid))


def close_the_window(apps, driver: WebDriver) -> None:  # noqa: ANN001 (the Apps fixture)
    """Closes the app's window as a person does and waits until the app has exited by itself."""
    apps._screenshot(apps.drivers.index(driver))
    click_close(apps)
    exited(apps, driver)


def exited(apps, driver: WebDriver) -> None:  # noqa: ANN001 (the Apps fixture)
    """Waits until the app has exited by itself; its WebDriver session is ended."""
    wait_for(lambda: not app_processes(apps.home, apps.binary), 20, "the app exits once its window is closed")
    apps.closed.add(apps.drivers.index(driver))
    try:
        driver.quit()  # the session of an app that is gone
    except Exception:  # noqa: BLE001, S110 (nothing left to end)
        pass


def window_rect(driver: WebDriver) -> tuple[int, int, int, int]:
    rect = driver.get_window_rect()
    return rect["x"], rect["y"], rect["width"], rect["height"]


def test_a_second_start_hands_over_to_the_first_window_and_exits(apps, app_home: Path) -> None:  # noqa: ANN001
    """The hand-over the plugin does; the focus itself is not observable here: without a window manager
    under Xvfb no window takes the focus from another. The log line comes from the callback that focuses."""
    first = apps.start()
    css(first, "[data-testid='new-connection']")
    [pid] = app_processes(app_home, apps.binary)

    started = time.monotonic()
    second = subprocess.run([str(apps.script(first))], capture_output=True, text=True, timeout=20, check=False)
    assert second.returncode == 0, second.stderr
    assert time.monotonic() - started < 10, "the second start handed over at once"

    assert app_processes(app_home, apps.binary) == [pid], "the first app runs on, alone"
    assert css(first, "[data-testid='new-connection']").is_displayed(), "its window still answers"
    wait_for(lambda: "a second start focused this window" in log_text(app_home), 10,
             "the first app logs that a second start focused it")


def test_the_window_opens_again_at_the_size_and_place_it_was_closed_at(apps, app_home: Path) -> None:  # noqa: ANN001
    first = apps.start()
    css(first, "[data-testid='new-connection']")
    assert window_rect(first)[2:] == (1200, 780), "a first start has the configured size"
    first.set_window_rect(x=30, y=20, width=960, height=640)
    wait_for(lambda: window_rect(first) == (30, 20, 960, 640), 10, "the window takes the new size and place")
    close_the_window(apps, first)

    saved = json.loads((app_home / STATE_FILE).read_text())["main"]
    assert (saved["x"], saved["y"], saved["width"], saved["height"]) == (30, 20, 960, 640), saved

    second = apps.start()
    css(second, "[data-testid='new-connection']")
    wait_for(lambda: window_rect(second) == (30, 20, 960, 640), 10,
             f"the window opens as it was closed (it is {window_rect(second)})")


def test_a_close_held_for_staged_changes_remembers_the_window_once_the_person_answers(
    apps, app_home: Path,  # noqa: ANN001 (the Apps fixture)
) -> None:
    """The close guard's path: the close request is held while the page asks, then `window_close` closes."""
    app = apps.start()
    edit.open_builtin_sandbox(app, app_home)
    edit.open_accounts(app)
    edit.sort_by(app, "Account Name")
    [first] = edit.first_accounts(app_home, 1)
    WebDriverWait(app, 30).until(lambda _: edit.cell_text(app, first["accountid"], "name") == first["name"])
    edit.edit_text(app, first["accountid"], "telephone1", "+1 555 0199")
    edit.close_record(app)
    app.set_window_rect(x=25, y=15, width=1010, height=650)
    wait_for(lambda: window_rect(app) == (25, 15, 1010, 650), 10, "the window takes the new size and place")

    [pid] = app_processes(app_home, apps.binary)
    click_close(apps)
    guard = css(app, "[data-testid='unsaved-guard']")
    assert "staged change" in guard.text, guard.text
    assert app_processes(app_home, apps.binary) == [pid], "held while the page asks"
    apps._screenshot(apps.drivers.index(app))
    go = css(app, "[data-testid='unsaved-guard-go']")
    try:
        go.click()
    except WebDriverException:  # the window may close before WebDriver's answer to the click: it went
        pass
    exited(apps, app)

    saved = json.loads((app_home / STATE_FILE).read_text())["main"]
    assert (saved["x"], saved["y"], saved["width"], saved["height"]) == (25, 15, 1010, 650), saved


def test_a_place_on_a_monitor_that_is_gone_opens_on_screen(apps, app_home: Path) -> None:  # noqa: ANN001
    """As after a second monitor was unplugged: the size is kept, the place is left to the system."""
    state = app_home / STATE_FILE
    state.parent.mkdir(parents=True)
    state.write_text(json.dumps({"main": {
        "width": 900, "height": 600, "x": 4000, "y": 3000, "prev_x": 4000, "prev_y": 3000,
        "maximized": False, "visible": True, "decorated": True, "fullscreen": False,
    }}))
    app = apps.start()
    css(app, "[data-testid='new-connection']")
    wait_for(lambda: window_rect(app)[2:] == (900, 600), 10, f"the saved size is kept ({window_rect(app)})")
    x, y, width, height = window_rect(app)
    assert 0 <= x and x + width <= SCREEN[0] and 0 <= y and y + height <= SCREEN[1], (x, y, width, height)


def test_a_log_folder_that_cannot_be_made_does_not_stop_the_app(apps, app_home: Path) -> None:  # noqa: ANN001
    (app_home / "logs").write_text("a file where the log folder would go")
    app = apps.start()
    assert css(app, "[data-testid='new-connection']").is_displayed(), "the app runs, logging to stderr"
    assert (app_home / "logs").read_text() == "a file where the log folder would go"


# A JSON Web Token (access and ID tokens) starts with the base64 of '{"': eyJ.
JWT = re.compile(rb"eyJ[A-Za-z0-9_-]{10,}")
REFRESH_TOKEN = re.compile(rb"refresh_token[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9._~+/-]{8,}")


def test_a_trace_log_holds_no_secret_or_token_nor_does_anything_in_the_data_folder(
    apps, app_home: Path, sandbox: dict[str, str],  # noqa: ANN001 (the Apps fixture)
) -> None:
    app = apps.start({"RUST_LOG": "trace"})
    _add_org(app, sandbox, "Traced", sandbox["org_client_secret"])
    assert css(app, "[data-testid='verify-org']", timeout=60).text == "Contoso Sandbox"
    close_dialog(app)
    [saved] = json.loads((app_home / "profiles.json").read_text())["profiles"]
    open_accounts(app, saved["id"])
    assert shown_count(app) > 0, "the table's records were read"
    close_the_window(apps, app)  # its normal exit flushes the log

    log = log_text(app_home)
    # The scan means something: the file has the trace level's lines, and the requests that carried the
    # secret and the tokens (the token request, the records read) are in it.
    assert re.search(r"^\S+\s+TRACE d365_desk_lib: window event", log, re.MULTILINE), log[-2000:]
    assert re.search(r"DEBUG d365_dataverse::auth: token request .* status=200", log), log[-2000:]
    assert re.search(r"DEBUG d365_dataverse::client: web api method=GET url=\S+/accounts\?", log), log[-2000:]
    assert "\x1b[" not in log, "no terminal colour codes in the file"
    secret = sandbox["org_client_secret"].encode()
    scanned = [path for path in app_home.rglob("*") if path.is_file()]
    assert any(path.parent.name == "logs" for path in scanned)
    for path in scanned:
        content = path.read_bytes()
        assert secret not in content, f"the client secret is in {path}"
        assert not JWT.search(content), f"a JWT is in {path}: {JWT.search(content)}"
        assert not REFRESH_TOKEN.search(content), f"a refresh token is in {path}"
