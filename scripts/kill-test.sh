#!/usr/bin/env bash
# Crash test: SIGKILL `goalpost serve` in the middle of sustained OTLP load, restart it on the same data, load
# it again, and check that every acknowledged request is in the store in full, that no request is stored in
# part, and that nothing is counted twice (scripts/load/otlp_load.py check).
#
#   scripts/kill-test.sh [ROUNDS]        (default 3 kill/restart rounds)
#
# Environment: GOALPOST_BIN (default: builds and uses .build/release/goalpost), PYTHON (default .venv/bin/python,
# which ./scripts/test creates), LOAD_SECONDS per round (default 4), WORKERS (default 6).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
PYTHON=${PYTHON:-.venv/bin/python}
LOAD_SECONDS=${LOAD_SECONDS:-4}
WORKERS=${WORKERS:-6}
if [ -z "${GOALPOST_BIN:-}" ]; then
    swift build -c release --product goalpost >&2
    GOALPOST_BIN=.build/release/goalpost
fi
WORK=$(mktemp -d /tmp/goalpost-kill.XXXXXX)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
CONFIG=Tests/GoalpostServerTests/Fixtures/config

start_server() {
    "$GOALPOST_BIN" serve --no-auth --config "$CONFIG" --data "$WORK/data" --listen 127.0.0.1:0 --log-level warning \
        >"$WORK/server.out" 2>>"$WORK/server.err" &
    SERVER=$!
    for _ in $(seq 1 200); do
        PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$WORK/server.out" 2>/dev/null | grep -o '[0-9]*$' || true)
        [ -n "$PORT" ] && return 0
        sleep 0.05
    done
    echo "kill-test: the server did not start" >&2; cat "$WORK/server.err" >&2; exit 1
}

for round in $(seq 1 "$ROUNDS"); do
    start_server
    "$PYTHON" scripts/load/otlp_load.py send --endpoint "http://127.0.0.1:$PORT" --workers "$WORKERS" --first-worker $(((round - 1) * WORKERS)) \
        --seconds $((LOAD_SECONDS * 3)) --log "$WORK/acks.jsonl" --stop-when-down >"$WORK/load-$round.json" &
    LOAD=$!
    # Kill at a moment that is not a round number of commits.
    sleep "$LOAD_SECONDS.$((RANDOM % 1000))"
    kill -9 "$SERVER"
    wait "$SERVER" 2>/dev/null || true
    wait "$LOAD"
    echo "round $round: killed under load; client saw $(cat "$WORK/load-$round.json")" >&2
done
# One more start proves the store opens after the last kill; a graceful stop leaves it closed cleanly.
start_server
kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null || true
"$PYTHON" scripts/load/otlp_load.py check --database "$WORK/data/goalpost.sqlite" --log "$WORK/acks.jsonl"
