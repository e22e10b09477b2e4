#!/usr/bin/env bash
# Backtest throughput and memory (issue 3): a recorded OTLP/JSON file of SIZE_MB replayed through
# decode + route + aggregate + evaluate on one core, side by side with Python's json module merely
# parsing the same lines. Also replays half the file to show that peak memory does not grow with size.
#
# usage: scripts/bench/backtest.sh [SIZE_MB]      (default 150)
#   SCRATCH  release scratch path (default .build-release)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE_MB=${1:-150}
SCRATCH=${SCRATCH:-.build-release}
DIR=${BENCH_DIR:-/tmp/goalpost-bench}
mkdir -p "$DIR"

log=$(mktemp)
if ! swift build -c release --scratch-path "$SCRATCH" --product goalpost >"$log" 2>&1; then
  tail -30 "$log" >&2; echo "release build failed" >&2; exit 1
fi
rm -f "$log"
BIN="$SCRATCH/release/goalpost"

# The simulator writes about 520 bytes a span and about 700k spans a simulated day at scale 1:
# ~290k spans (10 hours from 06:00, covering the 14:05 fault) make 150 MB. Scale the hours to the size.
FILE="$DIR/backtest-${SIZE_MB}mb.jsonl"
HALF="$DIR/backtest-${SIZE_MB}mb-half.jsonl"
if [ ! -f "$FILE" ]; then
  MINUTES=$(( SIZE_MB * 600 / 150 ))
  "$BIN" simulate --out "$FILE" --start 2026-11-16T06:00:00Z --duration "${MINUTES}m" >/dev/null
  HALF_LINES=$(( $(wc -l < "$FILE") / 2 ))
  head -n "$HALF_LINES" "$FILE" > "$HALF"
fi

# Runs a command pinned to core 0; prints "seconds max_rss_kib".
measure() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(["taskset", "-c", "0"] + sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
elapsed = time.perf_counter() - start
print(f"{elapsed:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
PY
}

BYTES=$(stat -c %s "$FILE")
HALF_BYTES=$(stat -c %s "$HALF")
SPANS=$("$BIN" backtest --config examples --telemetry "$FILE" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["replay"]["spans"])')

read -r GP_S GP_RSS < <(measure "$BIN" backtest --config examples --telemetry "$FILE" --format json)
read -r HALF_S HALF_RSS < <(measure "$BIN" backtest --config examples --telemetry "$HALF" --format json)
read -r PY_S PY_RSS < <(measure python3 -c 'import json, sys
for line in open(sys.argv[1], "rb"):
    json.loads(line)' "$FILE")

python3 - "$BYTES" "$SPANS" "$GP_S" "$GP_RSS" "$HALF_BYTES" "$HALF_S" "$HALF_RSS" "$PY_S" "$PY_RSS" <<'PY'
import sys
b, spans, gs, grss, hb, hs, hrss, ps, prss = sys.argv[1:]
b, spans, hb = int(b), int(spans), int(hb)
gs, hs, ps = float(gs), float(hs), float(ps)
mb = b / 1e6
print(f"file: {mb:.0f} MB, {spans:,} spans (one core, release build)")
print(f"goalpost backtest (decode+route+aggregate+evaluate): {gs:.2f} s  {mb/gs:7.1f} MB/s  {spans/gs/1e6:5.2f} M spans/s  peak RSS {int(grss)/1024:.0f} MiB")
print(f"  same, first half of the file ({hb/1e6:.0f} MB):            {hs:.2f} s  {hb/1e6/hs:7.1f} MB/s                  peak RSS {int(hrss)/1024:.0f} MiB")
print(f"python json.loads per line (parse only):            {ps:.2f} s  {mb/ps:7.1f} MB/s                  peak RSS {int(prss)/1024:.0f} MiB")
print(f"ratio goalpost / python: {(mb/gs)/(mb/ps):.1f}x   peak RSS full / half: {int(grss)/int(hrss):.2f}")
PY
