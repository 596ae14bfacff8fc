#!/usr/bin/env bash
# Runs a command in an isolated test environment and leaves nothing behind:
#   - XDG_* directories in a fresh temp folder, so nothing touches the user's home or real keyring;
#   - a private D-Bus session with an unlocked gnome-keyring Secret Service;
#   - with --display, a virtual X server (Xvfb) as well.
# Every process started inside carries D365DESK_TEST_RUN in its environment; on exit, pass or fail, they are
# all stopped, and the run fails if any survives.
#   usage: scripts/test-env.sh [--display] COMMAND [ARGS...]
set -euo pipefail

with_display=0
if [ "${1:-}" = --display ]; then with_display=1; shift; fi
[ $# -gt 0 ] || { echo "usage: $0 [--display] COMMAND [ARGS...]" >&2; exit 2; }

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/d365desk-test.XXXXXX")
export D365DESK_TEST_RUN="$run_dir"
export XDG_CONFIG_HOME="$run_dir/config" XDG_DATA_HOME="$run_dir/data" XDG_CACHE_HOME="$run_dir/cache"
export XDG_STATE_HOME="$run_dir/state" XDG_RUNTIME_DIR="$run_dir/runtime"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME"
mkdir -m 700 "$XDG_RUNTIME_DIR"
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL SSH_AUTH_SOCK
export NO_AT_BRIDGE=1 GTK_A11Y=none # no accessibility bus: the tests read the DOM, not AT-SPI
[ $with_display -eq 1 ] && unset DISPLAY WAYLAND_DISPLAY

# PIDs of processes started in this run (this script's own environment predates the marker).
marked_pids() {
  local marker="D365DESK_TEST_RUN=$run_dir" environ pid
  for environ in /proc/[0-9]*/environ; do
    pid=${environ#/proc/}; pid=${pid%/environ}
    [ "$pid" = $$ ] && continue
    if grep -qzxF "$marker" "$environ" 2>/dev/null; then echo "$pid"; fi
  done
}

cleanup() {
  local status=$? pids
  unset D365DESK_TEST_RUN # so that the helpers below are not marked themselves
  pids=$(marked_pids)
  if [ -n "$pids" ]; then
    kill -TERM $pids 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      pids=$(marked_pids); [ -z "$pids" ] && break; sleep 0.3
    done
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
    sleep 0.2
    pids=$(marked_pids)
    if [ -n "$pids" ]; then
      echo "test-env: processes survived the run:" >&2
      ps -o pid,args -p "$(echo $pids | tr ' ' ',')" >&2 || true
      status=1
    fi
  fi
  rm -rf "$run_dir"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The bus daemon and the services it activates (portals, a11y) are chatty on stderr: keep that in a log.
logs="$(cd "$(dirname "$0")/.." && pwd)/target/test-logs"
mkdir -p "$logs"
export D365DESK_DBUS_LOG="$logs/dbus-session.log"
: >"$D365DESK_DBUS_LOG"
dbus_daemon="$(dirname "$0")/lib/quiet-dbus-daemon.sh"

# One empty line on stdin creates and unlocks the `login` keyring (zero bytes would leave it locked).
inner='echo "" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && "$@"'
session=(dbus-run-session --dbus-daemon="$dbus_daemon" -- bash -c "$inner" bash "$@")
if [ $with_display -eq 1 ]; then
  xvfb-run -a -s "-screen 0 1280x800x24" "${session[@]}"
else
  "${session[@]}"
fi
