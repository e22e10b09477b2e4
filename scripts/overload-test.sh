#!/usr/bin/env bash
# Overload test: more clients than the store can absorb, against a server with a small ingest queue. Clients
# get 429 with Retry-After instead of the server's memory growing; everything acknowledged is in the store.
# Prints the checker's report and the server's peak resident memory (VmHWM).
#
#   scripts/overload-test.sh
#
# Environment: GOALPOST_BIN (default: builds .build/release/goalpost), PYTHON (default .venv/bin/python),
# SECONDS_OF_LOAD (default 8), WORKERS (default 16), QUEUE_BYTES (default 256 KiB, so 16 clients overflow it), SPANS per request (default 400).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
SECONDS_OF_LOAD=${SECONDS_OF_LOAD:-8}
WORKERS=${WORKERS:-16}
QUEUE_BYTES=${QUEUE_BYTES:-262144}
SPANS=${SPANS:-400}
if [ -z "${GOALPOST_BIN:-}" ]; then
    swift build -c release --product goalpost >&2
    GOALPOST_BIN=.build/release/goalpost
fi
WORK=$(mktemp -d /tmp/goalpost-overload.XXXXXX)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$GOALPOST_BIN" serve --no-auth --config Tests/GoalpostServerTests/Fixtures/config --data "$WORK/data" --listen 127.0.0.1:0 \
    --queue-bytes "$QUEUE_BYTES" --log-level warning >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER=$!
for _ in $(seq 1 200); do
    PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$WORK/server.out" 2>/dev/null | grep -o '[0-9]*$' || true)
    [ -n "$PORT" ] && break
    sleep 0.05
done
[ -n "$PORT" ] || { echo "overload-test: the server did not start" >&2; cat "$WORK/server.err" >&2; exit 1; }
"$PYTHON" scripts/load/otlp_load.py send --endpoint "http://127.0.0.1:$PORT" --workers "$WORKERS" \
    --seconds "$SECONDS_OF_LOAD" --spans "$SPANS" --errors 3 --log "$WORK/acks.jsonl" >"$WORK/load.json"
PEAK_KIB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null || true
echo "client: $(cat "$WORK/load.json")"
echo "server peak RSS: $((PEAK_KIB / 1024)) MiB (queue limit $((QUEUE_BYTES / 1024)) KiB)"
"$PYTHON" scripts/load/otlp_load.py check --database "$WORK/data/goalpost.sqlite" --log "$WORK/acks.jsonl" --spans "$SPANS" --errors 3
