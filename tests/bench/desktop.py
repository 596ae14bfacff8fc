"""Desktop figures (`make bench` → scripts/bench.sh, part "desktop"): the app beside an empty Tauri 2 window.

The peer is `examples/empty_window.rs`: this package's own `tauri`, from the same Cargo.lock and features, a
window of the same size showing one heading. Measured in one run, alternating app and peer, `--runs` times:

- cold start to the first screen painted: from the process's start (/proc/<pid>/stat) to the User Timing
  mark `d365desk:first-screen`, set in the frame after the first screen is painted (the Connections list,
  loaded over IPC, for the app: ui/src/lib/firstScreen.ts; the heading for the peer: its mark.js). The OS's
  page cache is dropped before each start when the bench may (root), so that the binary and WebKitGTK's
  libraries come from the disk: a start after a reboot. Also, as a cross-check, from the WebDriver session
  request (which starts the process) until the first screen's element is in the DOM, WebKitWebDriver's own
  start in both columns;
- the whole process tree's PSS (the process, WebKitWebProcess, WebKitNetworkProcess...) once idle: the least
  of five samples a second apart, after the first screen;
- the release binaries' and the packages' sizes.

Writes one JSON object per figure to --out and prints the Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))

from harness import workspace_version  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

# tests/bench/window.py: its Window (an app under tauri-driver), the PSS of a process tree, and the E2E
# fixtures' module it loaded (tests/ is on the path, so the bench folder imports as a namespace package).
from bench import window as bench  # noqa: E402

e2e = bench.e2e


def drop_page_cache() -> bool:
    subprocess.run(["sync"], check=True)
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


# When the first screen was painted and when the page began, both in ms since the epoch.
FIRST_SCREEN = ("const [mark] = performance.getEntriesByName('d365desk:first-screen');"
                "return mark ? [performance.timeOrigin + mark.startTime, performance.timeOrigin] : null;")


def process_started(pid: int) -> float:
    """When the process started, in seconds since the epoch (its start in clock ticks since boot)."""
    ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    boot = time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def start_once(driver_url: str, binary: Path, home: Path, work: Path, number: int, selector: str) -> dict:
    cold = drop_page_cache()
    requested = time.monotonic()
    window = bench.Window(driver_url, binary, home, work, number)
    try:
        deadline = requested + 60
        while not window.app.find_elements(By.CSS_SELECTOR, selector):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{binary.name}: {selector} not in the DOM within 60 s")
            time.sleep(0.005)
        with_webdriver = time.monotonic() - requested
        while (marks := window.app.execute_script(FIRST_SCREEN)) is None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{binary.name}: no first-screen mark within 60 s")
            time.sleep(0.005)
        painted_ms, page_ms = marks
        started = process_started(window.pid)
        seconds = painted_ms / 1000 - started
        # Split in two: the process until its page begins (Rust, GTK, WebKit's processes), then the page.
        page_began = page_ms / 1000 - started
        memory = window.memory()
    finally:
        window.quit()
    # The binary's own process under one name for both (a process's comm is its name's first 15 bytes).
    processes = {("main process" if name == binary.name[:15] else name): mib
                 for name, mib in memory["processes"].items()}
    return {"seconds": seconds, "page_began": page_began, "with_webdriver": with_webdriver, "pss_mib": memory["total"],
            "processes": processes, "cold": cold}


def size_mib(path: Path) -> float:
    return path.stat().st_size / 2**20


def markdown(figures: list[dict]) -> str:
    runs = {name: [f for f in figures if f.get("figure") == "start" and f["binary"] == name]
            for name in ("app", "peer")}
    start = {name: statistics.median(r["seconds"] for r in found) for name, found in runs.items()}
    driven = {name: statistics.median(r["with_webdriver"] for r in found) for name, found in runs.items()}
    began = {name: statistics.median(r["page_began"] for r in found) for name, found in runs.items()}
    memory = {name: statistics.median(r["pss_mib"] for r in found) for name, found in runs.items()}
    cold = all(r["cold"] for found in runs.values() for r in found)
    n = len(runs["app"])
    lines = ["| what | D365 Desk | empty Tauri 2 window | ratio | goal |", "|---|---|---|---|---|",
             f"| start to first screen painted, {'cold' if cold else 'warm (page cache kept)'}, median of {n} "
             f"| {start['app']:.2f} s | {start['peer']:.2f} s | {start['app'] / start['peer']:.2f}× | ≤ 1.2× |",
             f"| of which: the process until its page begins | {began['app']:.2f} s | {began['peer']:.2f} s "
             f"| {began['app'] / began['peer']:.2f}× | |",
             f"| of which: the page until its first screen is painted | {start['app'] - began['app']:.2f} s "
             f"| {start['peer'] - began['peer']:.2f} s | | |",
             f"| the same from the WebDriver request to the element in the DOM | {driven['app']:.2f} s "
             f"| {driven['peer']:.2f} s | {driven['app'] / driven['peer']:.2f}× | |",
             f"| idle PSS, whole process tree, median of {n} | {memory['app']:.0f} MiB | {memory['peer']:.0f} MiB "
             f"| {memory['app'] / memory['peer']:.2f}× | ≤ 1.3× |"]
    sizes = {f["what"]: f["mib"] for f in figures if f.get("figure") == "size"}
    if "app binary" in sizes:
        lines.append(f"| release binary | {sizes['app binary']:.1f} MiB | {sizes['peer binary']:.1f} MiB "
                     f"| {sizes['app binary'] / sizes['peer binary']:.2f}× | |")
    for what in ("d365 binary", ".deb", ".rpm"):
        if what in sizes:
            lines.append(f"| {what} | {sizes[what]:.1f} MiB | | | |")
    lines += ["", "Idle PSS by process (median run of each):", "",
              "| process | D365 Desk | empty Tauri 2 window |", "|---|---|---|"]
    middle = {name: sorted(found, key=lambda r: r["pss_mib"])[len(found) // 2] for name, found in runs.items()}
    for process in sorted(set(middle["app"]["processes"]) | set(middle["peer"]["processes"])):
        app, peer = (middle[name]["processes"].get(process, 0.0) for name in ("app", "peer"))
        lines.append(f"| {process} | {app:.0f} MiB | {peer:.0f} MiB |")
    return "\n".join(lines)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--table-from":  # the table again from a run's figures
        print(markdown([json.loads(line) for line in Path(sys.argv[2]).read_text().splitlines() if line]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", type=Path, required=True)
    parser.add_argument("--peer", type=Path, required=True, help="the empty Tauri 2 window (examples/)")
    parser.add_argument("--cli", type=Path, help="the release d365, for its size")
    parser.add_argument("--home", type=Path, required=True, help="D365DESK_HOME holding the connection")
    parser.add_argument("--connection", default="bench")
    parser.add_argument("--packages", type=Path, help="where scripts/package.sh put the release packages")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    args = parser.parse_args()
    bench.LOGS.mkdir(parents=True, exist_ok=True)
    args.work.mkdir(parents=True, exist_ok=True)
    figures: list[dict] = []

    def record(**figure) -> None:
        figures.append(figure)
        print(json.dumps(figure), file=sys.stderr, flush=True)

    record(figure="machine", **bench.machine())
    log = bench.LOGS / "tauri-driver-desktop.log"
    port, native_port = e2e._free_port(), e2e._free_port()
    with log.open("wb") as out:
        driver = subprocess.Popen(["tauri-driver", "--port", str(port), "--native-port", str(native_port)],
                                  stdout=out, stderr=subprocess.STDOUT)
    driver_url = f"http://127.0.0.1:{port}"
    peer_home = args.work / "peer-home"  # only the marker by which the bench finds the peer's process
    peer_home.mkdir(exist_ok=True)
    cases = {"app": (args.app, args.home, f"article[aria-label='{args.connection}']"),
             "peer": (args.peer, peer_home, "[data-testid='empty-window']")}
    try:
        e2e._wait_until_ready(driver_url, driver, log)
        number = 0
        for run in range(args.runs):
            # Alternating, the first of each pair swapped every run: neither always goes first.
            for name in (("app", "peer") if run % 2 == 0 else ("peer", "app")):
                number += 1
                binary, home, selector = cases[name]
                record(figure="start", binary=name, run=run,
                       **start_once(driver_url, binary, home, args.work, number, selector))
    finally:
        driver.terminate()
        driver.wait(timeout=10)
    record(figure="size", what="app binary", mib=size_mib(args.app))
    record(figure="size", what="peer binary", mib=size_mib(args.peer))
    if args.cli:
        record(figure="size", what="d365 binary", mib=size_mib(args.cli))
    if args.packages:
        for kind in ("deb", "rpm"):
            built = sorted(args.packages.glob(f"d365-desk[-_]{workspace_version()}[-_]*.{kind}"))
            if built:
                record(figure="size", what=f".{kind}", mib=size_mib(built[-1]))
    args.out.write_text("".join(json.dumps(f) + "\n" for f in figures))
    print(markdown(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
