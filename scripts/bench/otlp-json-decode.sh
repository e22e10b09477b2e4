#!/usr/bin/env bash
# Measures the OTLP/JSON decoder on a generated recorded-telemetry file and compares it with
# Python's json.loads over the same lines.
#
# usage: scripts/bench/otlp-json-decode.sh [SIZE_MB] [FILE]
#   SIZE_MB  size of the generated file (default 100); FILE is generated when missing
#   SCRATCH  release scratch path (default .build-otlp-release)
#
# Uses `goalpost bench-decode FILE` when the binary has it, else the opt-in benchmark test
# (GOALPOST_BENCH_FILE) in a release build of the test bundle.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE_MB=${1:-100}
FILE=${2:-/tmp/goalpost-bench/otlp-${SIZE_MB}mb.jsonl}
SCRATCH=${SCRATCH:-.build-otlp-release}

mkdir -p "$(dirname "$FILE")"
if [ ! -f "$FILE" ]; then
  python3 scripts/bench/gen_otlp_json.py "$FILE" "$SIZE_MB"
fi
BYTES=$(stat -c %s "$FILE")

# Builds quietly; shows the end of the log when the build fails.
build() {
  local log
  log=$(mktemp)
  if ! swift build -c release --scratch-path "$SCRATCH" "$@" >"$log" 2>&1; then
    tail -30 "$log" >&2
    echo "release build failed" >&2
    exit 1
  fi
  rm -f "$log"
}

build --product goalpost
BIN="$SCRATCH/release/goalpost"
if "$BIN" --help 2>/dev/null | grep -q "bench-decode"; then
  OUT=$("$BIN" bench-decode "$FILE")
else
  # Other test targets use @testable import, which a release build allows only with -enable-testing.
  build --build-tests -Xswiftc -enable-testing
  OUT=$(GOALPOST_BENCH_FILE="$FILE" swift test -c release --scratch-path "$SCRATCH" --skip-build -Xswiftc -enable-testing \
        --filter DecodeBenchmarkTests 2>&1 | sed -n 's/^BENCH //p')
fi
echo "Swift (release, one core):"
echo "$OUT" | sed 's/^/  /'
mbps() { echo "$OUT" | sed -n "s/.*$1 *: *\([0-9.]*\) MB\/s.*/\1/p" | head -1; }
SWIFT_DECODE=$(mbps 'decode (in memory, delivered)')
SWIFT_REPLAY=$(mbps 'replay (file, cold symbols)')

# The Python baseline: exactly [json.loads(l) for l in open(F)], best of three, timed in CPU
# seconds like the Swift numbers (the machine is shared), wall clock alongside.
read -r PY_CPU PY_WALL < <(python3 - "$FILE" <<'PY'
import json, sys, time
path = sys.argv[1]
cpu = wall = float("inf")
for _ in range(3):
    c, w = time.process_time(), time.perf_counter()
    [json.loads(l) for l in open(path)]
    cpu, wall = min(cpu, time.process_time() - c), min(wall, time.perf_counter() - w)
print(cpu, wall)
PY
)
python3 - <<PY
mb = $BYTES / 1e6
p, pw = mb / $PY_CPU, mb / $PY_WALL
d, r = float("$SWIFT_DECODE" or 0), float("$SWIFT_REPLAY" or 0)
print(f"Python json.loads per line: {p:.1f} MB/s per CPU second ({pw:.1f} MB/s wall clock)")
print(f"ratio Swift decode / Python json.loads: {d / p:.1f}x")
print(f"ratio Swift replay (file to events, cold) / Python json.loads: {r / p:.1f}x")
PY
