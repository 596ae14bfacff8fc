"""Committing from the window, and the Pending changes panel with many changes (`make bench` → scripts/bench.sh).

On the bench's sandbox and org connection, in the same run:

- the core's batched updates of the first N accounts (the updates bench, `D365DESK_BENCH_UPDATES=N`: one
  `$batch` of N PATCHes), then the same N accounts committed from the window: N staged updates of
  `telephone1`, each with the version read (the journal the window writes, put in place before the app
  starts, as after a crash), committed atomically from the Pending changes panel, timed in the page from the
  click until the panel says they were applied. The goal is 0.8× the core's rate;
- the panel with M staged changes (M records): the time to open it, and its frame times while its list is
  scrolled one step a frame, beside the idle window's frames. The goal is a frame p95 ≤ 16.7 ms.

Every update the window committed is read back with the CLI: a figure for a commit that did not apply is
not a figure. Writes one JSON object per figure to --out and prints the Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import window as bench  # tests/bench/window.py: the app in its window, timings in the page
from window_helpers import css  # noqa: E402  (tests/ is on the path once window is imported)

PANEL_SCROLL = """
const [step, frames] = [arguments[0], arguments[1]];
const done = arguments[arguments.length - 1];
const list = document.querySelector("[data-testid='pending-scroll']");
const stamps = [];
function frame(ts) {
  stamps.push(ts);
  if (stamps.length > frames || list.scrollTop + list.clientHeight >= list.scrollHeight - 1) {
    done({ stamps, scrollTop: list.scrollTop, scrollHeight: list.scrollHeight });
    return;
  }
  list.scrollTop += step;
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);
"""


def cli_json(cli: Path, home: Path, *args: str) -> list[dict]:
    done = subprocess.run([str(cli), *args], capture_output=True, text=True, check=True,
                          env={**os.environ, "D365DESK_HOME": str(home)})
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def first_accounts(cli: Path, home: Path, connection: str, count: int) -> list[dict]:
    """The first `count` accounts in the order the updates bench takes them (its read's order), with
    their version numbers."""
    rows = cli_json(cli, home, "query", connection, "account", "--format", "json", "--all", "--select",
                    "accountid,telephone1,versionnumber")
    return rows[:count]


def stage(home: Path, connection_id: str, rows: list[dict], mark: str) -> None:
    """The window's journal for the connection: an update of each row's telephone1 with its version."""
    # A record's ETag is its version number (Dataverse's `W/"<versionnumber>"`).
    changes = [{"kind": "update", "table": "account", "id": row["accountid"], "etag": f'W/"{row["versionnumber"]}"',
                "column": "telephone1", "old": row.get("telephone1"), "new": f"{mark}-{n}"}
               for n, row in enumerate(rows)]
    folder = home / "pending"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{connection_id}.json").write_text(json.dumps({"version": 1, "changes": changes}))


def open_panel(window: bench.Window, connection_id: str, count: int) -> float:
    """Opens the accounts' grid and, once the journal's changes are restored, the panel: ms until the
    panel lists them (its count says so and its first change is shown)."""
    window.app.execute_script(f"window.location.hash = '#/connection/{connection_id}/table/account'")
    css(window.app, "[data-testid='grid']", 60)
    deadline = time.monotonic() + 120
    while css(window.app, "[data-testid='pending-toggle-count']", 60).text.strip() != str(count):
        if time.monotonic() > deadline:
            raise RuntimeError("the journal's changes were not restored")
        time.sleep(0.2)
    bench.settle(window, 1)
    # Restored changes open the review by themselves: closed first, so that the opening is what is timed.
    if window.app.find_elements("css selector", "[data-testid='pending-panel']"):
        css(window.app, "[data-testid='pending-toggle']").click()
        bench.settle(window, 2)
    return bench.timed(
        window.app,
        "document.querySelector(\"[data-testid='pending-toggle']\").click();",
        f"return document.querySelector(\"[data-testid='pending-count']\")?.textContent.trim() === '{count}'"
        " && !!document.querySelector(\"[data-testid='pending-change']\");",
        120_000,
    )


def commit(window: bench.Window, count: int) -> float:
    """Commit (atomic, the default) until the panel says every change was applied: ms."""
    return bench.timed(
        window.app,
        "document.querySelector(\"[data-testid='pending-commit']\").click();",
        "const s = document.querySelector(\"[data-testid='pending-summary']\");"
        f"return !!s && s.textContent.trim().startsWith('{count} changes applied');",
        600_000,
    )


def core_batched(updates_bench: Path, count: int) -> dict:
    """The updates bench on the first `count` accounts: its `$batch` figure."""
    done = subprocess.run([str(updates_bench)], capture_output=True, text=True, check=True,
                          env={**os.environ, "D365DESK_BENCH_UPDATES": str(count)})
    for line in done.stdout.splitlines():
        figure = json.loads(line)
        if figure["strategy"] == "batched (1000 per $batch)":
            return figure
    raise RuntimeError(f"the updates bench printed no batched figure: {done.stdout}")


def markdown(f: dict) -> str:
    window, core = f["commit_window"], f["commit_core"]
    ratio = (window["rows"] / window["seconds"]) / (core["rows"] / core["seconds"])
    panel, idle = f["panel_frames"], f["panel_idle_frames"]
    lines = [
        "| figure | value | beside | goal |",
        "|---|---|---|---|",
        f"| commit {window['rows']:,} staged updates from the window | {window['seconds']:.2f} s "
        f"({window['rows'] / window['seconds']:,.0f}/s) | core `$batch` {core['seconds']:.2f} s "
        f"({core['rows'] / core['seconds']:,.0f}/s): {ratio:.2f}× | ≥ 0.8× |",
        f"| open the panel with {f['panel_open']['changes']:,} staged | {f['panel_open']['ms']:.0f} ms | | |",
        f"| panel scroll frame p95 ({panel['frames']} frames) | {panel['p95_ms']:.1f} ms "
        f"(p50 {panel['p50_ms']:.1f}) | idle window p95 {idle['p95_ms']:.1f} ms | ≤ 16.7 ms |",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", type=Path, required=True)
    parser.add_argument("--cli", type=Path, required=True)
    parser.add_argument("--updates-bench", type=Path, required=True)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--connection", default="bench")
    parser.add_argument("--commit", type=int, default=1000, help="updates to commit from the window")
    parser.add_argument("--staged", type=int, default=10000, help="changes staged for the panel's figures")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    bench.LOGS.mkdir(parents=True, exist_ok=True)
    args.work.mkdir(parents=True, exist_ok=True)
    figures: dict[str, dict] = {}

    def record(name: str, **figure) -> None:
        figures[name] = figure
        print(json.dumps({"figure": name, **figure}), file=sys.stderr, flush=True)

    [connection_id] = [c["id"] for c in json.loads(subprocess.run(
        [str(args.cli), "--json", "connection", "list"], capture_output=True, text=True, check=True,
        env={**os.environ, "D365DESK_HOME": str(args.home)}).stdout)["connections"] if c["name"] == args.connection]
    record("machine", **bench.machine())
    core = core_batched(args.updates_bench, args.commit)
    record("commit_core", rows=core["rows"], seconds=core["seconds"], strategy=core["strategy"])

    port, native_port = bench.e2e._free_port(), bench.e2e._free_port()
    log = bench.LOGS / "tauri-driver-commit.log"
    with log.open("wb") as out:
        driver = subprocess.Popen(["tauri-driver", "--port", str(port), "--native-port", str(native_port)],
                                  stdout=out, stderr=subprocess.STDOUT)
    driver_url = f"http://127.0.0.1:{port}"
    try:
        bench.e2e._wait_until_ready(driver_url, driver, log)
        # 1. N staged updates committed from the window, on the rows the core just updated.
        rows = first_accounts(args.cli, args.home, args.connection, args.commit)
        stage(args.home, connection_id, rows, "window")
        window = bench.Window(driver_url, args.app, args.home, args.work, 1)
        open_panel(window, connection_id, len(rows))
        ms = commit(window, len(rows))
        window.quit()
        record("commit_window", rows=len(rows), seconds=ms / 1000)
        after = {row["accountid"]: row.get("telephone1")
                 for row in first_accounts(args.cli, args.home, args.connection, args.commit)}
        wrong = [row["accountid"] for n, row in enumerate(rows) if after.get(row["accountid"]) != f"window-{n}"]
        if wrong:
            raise RuntimeError(f"{len(wrong)} of the window's updates are not on the server, e.g. {wrong[:3]}")

        # 2. The panel with M staged changes.
        rows = first_accounts(args.cli, args.home, args.connection, args.staged)
        stage(args.home, connection_id, rows, "staged")
        window = bench.Window(driver_url, args.app, args.home, args.work, 2)
        record("panel_open", changes=len(rows), ms=open_panel(window, connection_id, len(rows)))
        bench.settle(window, 2)
        record("panel_idle_frames", **bench.scroll(window, 0, 180))
        window.app.set_script_timeout(900)
        scrolled = window.app.execute_async_script(PANEL_SCROLL, 60, 600)
        record("panel_frames", **bench.frame_times(scrolled["stamps"]))
        window.app.execute_script("document.querySelector(\"[data-testid='pending-revert-all']\").click();")
        bench.settle(window, 2)
        window.quit()
        (args.home / "pending" / f"{connection_id}.json").unlink(missing_ok=True)
    finally:
        driver.terminate()
        try:
            driver.wait(timeout=10)
        except subprocess.TimeoutExpired:
            driver.kill()
            driver.wait()
    args.out.write_text("".join(json.dumps({"figure": k, **v}) + "\n" for k, v in figures.items()))
    print(markdown(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
