#!/usr/bin/env bash
# OTLP protobuf decoding (issue 4) on one core, side by side in one run with Python's opentelemetry-proto
# (upb, C) ParseFromString of the same bytes: a generated file of length-delimited ExportTraceServiceRequest
# messages (spans of about 250 bytes), decoded by
#   - Python upb ParseFromString of every message (parse only: the Python objects are made lazily),
#   - goalpost's protobuf decoder delivering events to a counting sink, first into an empty symbol table
#     (every string new once) and then into the table that pass filled; and its parse alone,
#   - goalpost decode + route + aggregate: events into the evaluation engine (examples/) through the
#     replay driver, minute ticks included,
#   - with --swift-protobuf, swift-protobuf's generated types (scripts/bench/swift-protobuf-compare):
#     init(serializedBytes:) alone and walked to the same events, against the hand-written decoder.
# Rounds alternate between the contenders and the best (least CPU time) of each counts: the machine is
# shared and noisy. All release builds, all pinned with `taskset -c 0`.
#
# usage: scripts/bench/otlp-protobuf.sh [SIZE_MB] [--swift-protobuf]
#   SIZE_MB  size of the generated file (default 150); generated once into /tmp/goalpost-bench
#   ROUNDS   alternating rounds (default 3)
#   SCRATCH  release scratch path (default .build-release)
#   GOALPOST_TEST_PYTHON  a Python with opentelemetry-proto (default .venv/bin/python, made by scripts/test)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE_MB=150
SWIFT_PROTOBUF=0
for argument in "$@"; do
  case "$argument" in
    --swift-protobuf) SWIFT_PROTOBUF=1 ;;
    *) SIZE_MB=$argument ;;
  esac
done
ROUNDS=${ROUNDS:-3}
SCRATCH=${SCRATCH:-.build-release}
PYTHON=${GOALPOST_TEST_PYTHON:-.venv/bin/python}
DIR=${BENCH_DIR:-/tmp/goalpost-bench}
FILE="$DIR/otlp-traces-${SIZE_MB}mb.pb"
mkdir -p "$DIR"

if ! "$PYTHON" -c 'import opentelemetry.proto' 2>/dev/null; then
  echo "no opentelemetry-proto in $PYTHON: run scripts/test once (it makes .venv), or set GOALPOST_TEST_PYTHON" >&2
  exit 1
fi
[ -f "$FILE" ] || "$PYTHON" scripts/bench/gen_otlp_protobuf.py "$FILE" "$SIZE_MB"

# Builds quietly; shows the end of the log when the build fails.
build() {
  local log
  log=$(mktemp)
  if ! swift build -c release "$@" >"$log" 2>&1; then
    tail -30 "$log" >&2
    echo "release build failed" >&2
    exit 1
  fi
  rm -f "$log"
}
build --scratch-path "$SCRATCH" --product goalpost
BIN="$SCRATCH/release/goalpost"
if [ "$SWIFT_PROTOBUF" = 1 ]; then
  build --package-path scripts/bench/swift-protobuf-compare --scratch-path "$SCRATCH-swift-protobuf"
  COMPARE="$SCRATCH-swift-protobuf/release/SwiftProtobufCompare"
fi

OUT=$(mktemp -d)
for round in $(seq "$ROUNDS"); do
  echo "round $round of $ROUNDS" >&2
  taskset -c 0 "$PYTHON" - "$FILE" >>"$OUT/python" <<'PY'
import sys, time
from google.protobuf.internal import api_implementation
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
data = open(sys.argv[1], "rb").read()
messages, pos = [], 0
while pos < len(data):
    length = shift = 0
    while True:
        b = data[pos]; pos += 1
        length |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80: break
    messages.append(data[pos:pos + length]); pos += length
Request = trace_service_pb2.ExportTraceServiceRequest
cpu, wall = time.process_time(), time.perf_counter()
for message in messages:
    Request().ParseFromString(message)
print(time.process_time() - cpu, time.perf_counter() - wall, sum(map(len, messages)), api_implementation.Type())
PY
  taskset -c 0 "$BIN" bench-decode --format protobuf "$FILE" --config examples --repetitions 2 >>"$OUT/goalpost"
  if [ "$SWIFT_PROTOBUF" = 1 ]; then taskset -c 0 "$COMPARE" "$FILE" 1 >>"$OUT/compare"; fi
done

python3 - "$OUT" "$ROUNDS" <<'PY'
import os, re, sys
out, rounds = sys.argv[1], sys.argv[2]
python = [line.split() for line in open(os.path.join(out, "python"))]
py_cpu = min(float(p[0]) for p in python)
size = int(python[0][2])
goalpost = open(os.path.join(out, "goalpost")).read()
spans = int(re.search(r"(\d+) spans", goalpost).group(1))
requests = int(re.search(r"(\d+) requests", goalpost).group(1))
mb = size / 1e6

def best(text, label):
    rates = [float(m) for m in re.findall(re.escape(label) + r"\s*: ([0-9.]+) MB/s per CPU second", text)]
    return max(rates) if rates else None

print(f"file: {mb:.0f} MB, {requests:,} requests, {spans:,} spans ({size / spans:.0f} bytes per span)")
print(f"one core (taskset -c 0), release builds, best of {rounds} alternating rounds, CPU seconds of the measuring thread")
print(f"{'':52} {'MB/s':>8} {'M spans/s':>10} {'x upb':>7}")
py_rate = mb / py_cpu
def row(label, rate):
    print(f"{label:52} {rate:8.1f} {rate / mb * spans / 1e6:10.2f} {rate / py_rate:7.2f}")
row(f"python upb ParseFromString ({python[0][3]}, parse only)", py_rate)
row("goalpost protobuf decode, fresh symbol table", best(goalpost, "decode, fresh symbol table"))
row("goalpost protobuf decode, warm symbol table", best(goalpost, "decode (in memory, delivered)"))
row("goalpost protobuf parse only (no delivery)", best(goalpost, "parse only (no delivery)"))
row("goalpost decode+route+aggregate (examples/), fresh table", best(goalpost, "decode+route+aggregate"))
path = os.path.join(out, "compare")
if os.path.exists(path):
    compare = open(path).read()
    def best_compare(label):
        return max(float(m) for m in re.findall(re.escape(label) + r"\s*: ([0-9.]+) MB/s", compare))
    print("same process, swift-protobuf 1.39.0 generated types against the hand-written decoder:")
    row("swift-protobuf init(serializedBytes:) only", best_compare("swift-protobuf init(serializedBytes:) only"))
    row("swift-protobuf init + walk to events (delivered)", best_compare("swift-protobuf init + walk to events (delivered)"))
    row("goalpost hand-written decode (delivered)", best_compare("goalpost hand-written decode (delivered)"))
PY
rm -rf "$OUT"
