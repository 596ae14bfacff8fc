#!/usr/bin/env bash
# make bench: one release-built sandbox seeded with 100,000 accounts, and against it, in the same run:
#   - full reads of every account: `d365 export` sequential and partitioned, a curl loop over the
#     nextLinks (the floor: no decoding beyond finding the next link), dynamics-web-api's retrieveAll;
#   - 10,000 updates one by one, in $batches, and in $batches in parallel (crates/dataverse/benches);
#   - the browse screens in the real app window (tests/bench/window.py): the tables list and the first rows
#     after a pick, Load all beside `d365 export` of the same rows, frame times while scrolling every row,
#     the whole app's memory idle and with the rows loaded;
#   - committing 1000 staged updates from the window beside the core's batched updates of the same rows, and
#     the Pending changes panel with 10,000 staged (tests/bench/commit.py);
#   - desktop: cold start to the first screen and idle memory beside an empty Tauri 2 window built from the
#     same dependencies (examples/empty_window.rs), the binaries' and packages' sizes (tests/bench/desktop.py).
# Prints Markdown tables for docs/benchmarks.md. Needs a Secret Service for the d365 connection's secret and,
# for the window, a display: run it under scripts/test-env.sh --display, as `make bench` does (which also
# builds ui/dist, embedded in the release app). BENCH_ACCOUNTS / BENCH_UPDATES change the sizes; BENCH_PARTS
# picks what runs (default "reads updates window commit desktop").
set -euo pipefail
cd "$(dirname "$0")/.."
accounts=${BENCH_ACCOUNTS:-100000}
updates=${BENCH_UPDATES:-10000}
parts=" ${BENCH_PARTS:-reads updates window commit desktop} "
wants() { [[ $parts == *" $1 "* ]]; }
target=${CARGO_TARGET_DIR:-$PWD/target}
if wants window || wants commit || wants desktop; then
  [ -f ui/dist/index.html ] || { echo "ui/dist is missing: run make bench (it builds the UI first)" >&2; exit 1; }
  [ -n "${DISPLAY:-}" ] || { echo "the window part needs a display: scripts/test-env.sh --display $0" >&2; exit 1; }
fi
cargo build --release --quiet --locked -p d365-sandbox -p d365-cli -p d365-desk
cargo build --release --quiet --locked -p d365-dataverse --bench updates
if wants desktop; then
  cargo build --release --quiet --locked --example empty_window
  scripts/package.sh release deb,rpm >&2 # the packages' sizes
fi
updates_bench=$(ls -t "$target"/release/deps/updates-* | grep -v '\.d$' | head -1)

work=$(mktemp -d)
trap 'kill "$sandbox_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
# Service protection off: this measures the client and the wire, not Retry-After waits.
"$target/release/d365-sandbox" --seed "$accounts" --throttle 100000000/300 --concurrency 1000 \
  >"$work/sandbox.json" 2>"$work/sandbox.log" &
sandbox_pid=$!
until [ -s "$work/sandbox.json" ]; do
  kill -0 "$sandbox_pid" 2>/dev/null || { cat "$work/sandbox.log"; exit 1; }
  sleep 0.5
done
export SANDBOX_CONFIG
SANDBOX_CONFIG=$(head -1 "$work/sandbox.json")
field() { jq -r ".$1" <<<"$SANDBOX_CONFIG"; }
token=$(curl -sS "$(field authority)/oauth2/v2.0/token" -d grant_type=client_credentials \
  --data-urlencode "client_id=$(field org_client_id)" --data-urlencode "client_secret=$(field org_client_secret)" \
  --data-urlencode "scope=$(field instance_url)/.default" | jq -r .access_token)

export D365DESK_HOME="$work/home"
d365="$target/release/d365"
field org_client_secret | "$d365" connection add org --name bench --instance "$(field instance_url)" \
  --tenant "$(field tenant_id)" --client-id "$(field org_client_id)" --authority "$(field authority)" \
  --client-secret-stdin >/dev/null

results="$work/results.jsonl"
timed() { # name rows command...: runs it and records the time
  local name=$1 rows=$2; shift 2
  local started ended
  started=$(date +%s.%N)
  "$@" >/dev/null
  ended=$(date +%s.%N)
  jq -nc --arg s "$name" --argjson r "$rows" --argjson t "$(awk "BEGIN { print $ended - $started }")" \
    '{strategy: $s, rows: $r, seconds: $t}' | tee -a "$results" >&2
}

curl_loop() {
  local url="$(field web_api_url)accounts" rows=0 count next
  while [ -n "$url" ]; do
    curl -sS -H "Authorization: Bearer $token" -H 'Accept: application/json' \
      -H 'Prefer: odata.maxpagesize=5000,odata.include-annotations="*"' "$url" -o "$work/page.json"
    IFS=$'\t' read -r count next < <(jq -r '[(.value | length), (."@odata.nextLink" // "")] | @tsv' "$work/page.json")
    rows=$((rows + count))
    url=$next
  done
  [ "$rows" -eq "$accounts" ] || { echo "curl loop read $rows rows" >&2; exit 1; }
}

if wants reads; then
  echo "reading $accounts accounts, four ways..." >&2
  timed "d365 export (sequential)" "$accounts" "$d365" export bench account --format jsonl --out "$work/seq.jsonl"
  timed "d365 export --parallel 4 (partitioned)" "$accounts" "$d365" export bench account --format jsonl --out "$work/par.jsonl" --parallel 4
  [ "$(wc -l <"$work/seq.jsonl")" -eq "$accounts" ] && [ "$(wc -l <"$work/par.jsonl")" -eq "$accounts" ]
  rm -f "$work/seq.jsonl" "$work/par.jsonl"
  timed "curl loop over nextLinks" "$accounts" curl_loop
  (cd tests/peers/dynamics-web-api && node bench.mjs) | tee -a "$results" >&2
fi
if wants updates; then
  echo "updating $updates accounts, three ways..." >&2
  D365DESK_BENCH_UPDATES=$updates "$updates_bench" | tee -a "$results" >&2
fi
if wants window; then
  # The same sandbox and connection; the app's window under the display test-env.sh started.
  echo "browsing $accounts accounts in the app's window..." >&2
  .venv/bin/python tests/bench/window.py --app "$target/release/d365-desk" --cli "$d365" --home "$D365DESK_HOME" \
    --connection bench --table account --rows "$accounts" --work "$work/window" --out "$work/window.jsonl" \
    --sandbox-pid "$sandbox_pid" >"$work/window.md"
  mkdir -p target && cp "$work/window.jsonl" target/bench-window.jsonl # the raw figures, kept
fi

if wants commit; then
  # The same sandbox: the core's batched updates of the first accounts, then the same rows committed from the
  # window, and the Pending changes panel with 10,000 staged (tests/bench/commit.py).
  echo "committing from the app's window..." >&2
  .venv/bin/python tests/bench/commit.py --app "$target/release/d365-desk" --cli "$d365" \
    --updates-bench "$updates_bench" --home "$D365DESK_HOME" --connection bench --work "$work/commit" \
    --out "$work/commit.jsonl" >"$work/commit.md"
  mkdir -p target && cp "$work/commit.jsonl" target/bench-commit.jsonl
fi

if wants desktop; then
  echo "starting the app and an empty Tauri window, in turn..." >&2
  .venv/bin/python tests/bench/desktop.py --app "$target/release/d365-desk" --peer "$target/release/examples/empty_window" \
    --cli "$d365" --home "$D365DESK_HOME" --connection bench --packages "$target/packages" --work "$work/desktop" \
    --out "$work/desktop.jsonl" >"$work/desktop.md"
  mkdir -p target && cp "$work/desktop.jsonl" target/bench-desktop.jsonl
fi

# The tables: reads compared with the curl floor, updates with one by one; then the window's figures.
[ -s "$results" ] && jq -rs '
  (map(select(.strategy == "curl loop over nextLinks"))[0].seconds) as $floor
  | (map(select(.strategy == "one by one"))[0].seconds) as $single
  | ["| what | rows | seconds | rows/s | ratio |", "|---|---|---|---|---|"]
    + map("| \(.strategy) | \(.rows) | \(.seconds * 100 | round / 100) | \(.rows / .seconds | round) | "
      + (if .strategy | test("batched|one by one") then "\($single / .seconds * 100 | round / 100)× one by one"
         else "\($floor / .seconds * 100 | round / 100)× the curl floor" end) + " |")
  | .[]' "$results"
if wants window; then
  echo
  cat "$work/window.md"
fi
if wants commit; then
  echo
  cat "$work/commit.md"
fi
if wants desktop; then
  echo
  cat "$work/desktop.md"
fi
