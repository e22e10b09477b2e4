#!/usr/bin/env bash
# End-to-end HTTP ingest: OTLP/HTTP protobuf requests from a load generator on loopback into a release
# `goalpost serve` with the store durable (synchronous FULL, every acknowledged request committed). Prints the
# acknowledged spans per second, the server's CPU time per span and its peak RSS, and the checker's verdict.
#
#   scripts/bench/http-ingest.sh
#
# Environment: PYTHON (default .venv/bin/python), SECONDS_OF_LOAD (15), WORKERS (4), SPANS per request (1000),
# CUSTOMERS (500), SYNCHRONOUS (full). The generator is Python on the same two cores: it takes CPU the server
# would otherwise have, so the figure is a floor for the server.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-.venv/bin/python}
SECONDS_OF_LOAD=${SECONDS_OF_LOAD:-15}
WORKERS=${WORKERS:-4}
SPANS=${SPANS:-1000}
CUSTOMERS=${CUSTOMERS:-500}
SYNCHRONOUS=${SYNCHRONOUS:-full}
swift build -c release --product goalpost >&2
WORK=$(mktemp -d /tmp/goalpost-http-bench.XXXXXX)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
.build/release/goalpost serve --no-auth --config Tests/GoalpostServerTests/Fixtures/config --data "$WORK/data" --listen 127.0.0.1:0 \
    --synchronous "$SYNCHRONOUS" --log-level warning >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER=$!
for _ in $(seq 1 200); do
    PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$WORK/server.out" 2>/dev/null | grep -o '[0-9]*$' || true)
    [ -n "$PORT" ] && break
    sleep 0.05
done
[ -n "$PORT" ] || { echo "http-ingest: the server did not start" >&2; exit 1; }
TICKS=$(getconf CLK_TCK)
cpu() { awk -v t="$TICKS" '{print ($14 + $15) / t}' "/proc/$SERVER/stat"; }
BEFORE=$(cpu)
"$PYTHON" scripts/load/otlp_load.py send --endpoint "http://127.0.0.1:$PORT" --workers "$WORKERS" --seconds "$SECONDS_OF_LOAD" \
    --spans "$SPANS" --errors 10 --customers "$CUSTOMERS" >"$WORK/load.json"
AFTER=$(cpu)
PEAK_KIB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null || true
STORED=$("$PYTHON" -c "import sqlite3,sys; print(int(sqlite3.connect(sys.argv[1]).execute(\"select sum(total) from aggregate where outcome='checkout'\").fetchone()[0] or 0))" "$WORK/data/goalpost.sqlite")
"$PYTHON" - "$WORK/load.json" "$BEFORE" "$AFTER" "$PEAK_KIB" "$STORED" "$SYNCHRONOUS" <<'PY'
import json, sys
load = json.load(open(sys.argv[1]))
cpu = float(sys.argv[3]) - float(sys.argv[2])
peak, stored, sync = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
rate = load["spans_per_second"]
print(f"acknowledged: {load['spans']:,} spans in {load['seconds']} s = {rate:,} spans/s (synchronous={sync}); refused {load['refused']}, failed {load['failed']}")
print(f"stored: {stored:,} spans ({'equal to' if stored == load['spans'] else 'DIFFERENT FROM'} the acknowledged count)")
print(f"server CPU: {cpu:.2f} s = {cpu / max(1, load['spans']) * 1e9:,.0f} ns per span ({load['spans'] / cpu if cpu else 0:,.0f} spans per CPU-second)")
print(f"server peak RSS: {peak // 1024} MiB")
print(f"ratio to the 300k spans/s target: {rate / 300000:.2f}x")
PY
