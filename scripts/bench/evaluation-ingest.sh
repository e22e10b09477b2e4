#!/usr/bin/env bash
# Measures the evaluation engine's ingest throughput in a release build (events/s on one core).
# usage: scripts/bench/evaluation-ingest.sh [EVENTS]   (default 10 000 000)
set -euo pipefail
cd "$(dirname "$0")/../.."
events="${1:-10000000}"
swift build -c release --scratch-path .build-eval-release --build-tests -Xswiftc -enable-testing
GOALPOST_BENCH_EVENTS="$events" swift test -c release --scratch-path .build-eval-release --skip-build \
  --filter 'IngestBenchmarkTests' 2>&1 | grep -E '^BENCH_EVAL|passed|failed'
