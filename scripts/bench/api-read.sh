#!/usr/bin/env bash
# API and dashboard read latency under ingest (issue 6): a release `goalpost serve` (store durable) receives
# OTLP/HTTP protobuf load from the Python generator while `wrk` (Debian package) reads /api/v1/outcomes, then
# the outcome page of the dashboard. Prints requests/s and latency percentiles for each, with the ingest rate
# that ran meanwhile. Everything shares the machine's two cores: the generator, wrk and the server.
#
#   scripts/bench/api-read.sh
#
# Environment: PYTHON (default .venv/bin/python), SECONDS_OF_LOAD (20), WORKERS (2 ingest workers),
# CUSTOMERS (500), CONNECTIONS (8 wrk connections).
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-.venv/bin/python}
SECONDS_OF_LOAD=${SECONDS_OF_LOAD:-20}
WORKERS=${WORKERS:-2}
CUSTOMERS=${CUSTOMERS:-500}
CONNECTIONS=${CONNECTIONS:-8}
command -v wrk >/dev/null || { echo "api-read: install wrk (apt-get install wrk)" >&2; exit 1; }
swift build -c release --product goalpost >&2
WORK=$(mktemp -d /tmp/goalpost-api-bench.XXXXXX)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
.build/release/goalpost serve --no-auth --config Tests/GoalpostServerTests/Fixtures/config --data "$WORK/data" --listen 127.0.0.1:0 \
    --tick-interval 2s --log-level warning >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER=$!
for _ in $(seq 1 200); do
    PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$WORK/server.out" 2>/dev/null | grep -o '[0-9]*$' || true)
    [ -n "$PORT" ] && break
    sleep 0.05
done
[ -n "$PORT" ] || { echo "api-read: the server did not start" >&2; exit 1; }
BASE="http://127.0.0.1:$PORT"
# Warm up: a few seconds of ingest so every customer has a scope (500 customers × the checkout outcome).
"$PYTHON" scripts/load/otlp_load.py send --endpoint "$BASE" --workers "$WORKERS" --seconds 3 --spans 500 --errors 5 --customers "$CUSTOMERS" >/dev/null
"$PYTHON" scripts/load/otlp_load.py send --endpoint "$BASE" --workers "$WORKERS" --seconds "$((2 * SECONDS_OF_LOAD + 4))" \
    --spans 500 --errors 5 --customers "$CUSTOMERS" >"$WORK/load.json" &
LOAD=$!
sleep 1
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_OF_LOAD}s" --latency "$BASE/api/v1/outcomes" >"$WORK/api.txt"
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_OF_LOAD}s" --latency "$BASE/outcomes/checkout" >"$WORK/page.txt"
wait "$LOAD"
BYTES=$(curl -s "$BASE/api/v1/outcomes" | wc -c)
PAGE_BYTES=$(curl -s "$BASE/outcomes/checkout" | wc -c)
kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null || true
"$PYTHON" - "$WORK/api.txt" "$WORK/page.txt" "$WORK/load.json" "$BYTES" "$PAGE_BYTES" "$CUSTOMERS" <<'PY'
import json, re, sys
def parse(path):
    text = open(path).read()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)", text, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return rate, lat, int(errors.group(1)) if errors else 0
load = json.load(open(sys.argv[3]))
for name, path, size in [("GET /api/v1/outcomes", sys.argv[1], sys.argv[4]), ("GET /outcomes/checkout (dashboard)", sys.argv[2], sys.argv[5])]:
    rate, lat, errors = parse(path)
    print(f"{name}: {rate:,.0f} requests/s, p50 {lat.get('50')}, p90 {lat.get('90')}, p99 {lat.get('99')}, non-2xx {errors}, {int(size):,} bytes, {sys.argv[6]} customers")
print(f"ingest meanwhile: {load['spans_per_second']:,} spans/s acknowledged (refused {load['refused']}, failed {load['failed']})")
PY
