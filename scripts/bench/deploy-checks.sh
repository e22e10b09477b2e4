#!/usr/bin/env bash
# What deploy checks cost (issue 10): the same simulated day replayed by a release `goalpost backtest` twice,
# side by side in one run, with the default schedule of checks and with none. Prints the wall time of each, the
# ratio, the checks made and the time per check. The day: 48 customers, the demo's outcomes, four deploys
# (three of checkout-api and search-api in the background, one of checkout-api at 11:00 that slows checkout).
#
#   scripts/bench/deploy-checks.sh
#
# Environment: HOURS (24), ROUNDS (3; the best of each is reported).
set -euo pipefail
cd "$(dirname "$0")/../.."
HOURS=${HOURS:-24}
ROUNDS=${ROUNDS:-3}
swift build -c release --product goalpost >&2
WORK=$(mktemp -d /tmp/goalpost-deploy-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/defs"
cp examples/{services,customers,sign-in,checkout-latency,search-availability}.yaml "$WORK/defs/"
.build/release/goalpost simulate --out "$WORK/day.jsonl" --fault checkout-slow-deploy --start 2026-11-16T00:00:00Z --duration "${HOURS}h" >&2
once() {
    local start end
    start=$(date +%s.%N)
    .build/release/goalpost backtest --config "$WORK/defs" --telemetry "$WORK/day.jsonl" --deploys "$WORK/day.jsonl.deploys.json" \
        --customers "$WORK/day.jsonl.customers.json" --format json --no-investigate --deploy-checks "$1" >"$WORK/report-$2.json"
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}
# Rounds alternate between the two, so a busy moment of the shared machine hits both alike; the best of each.
with="" without=""
for _ in $(seq 1 "$ROUNDS"); do
    a=$(once "10m,30m,1h,2h,24h,72h" checks)
    b=$(once none plain)
    if [ -z "$with" ] || [ "$(echo "$a < $with" | bc -l)" = 1 ]; then with=$a; fi
    if [ -z "$without" ] || [ "$(echo "$b < $without" | bc -l)" = 1 ]; then without=$b; fi
done
checks=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(sum(len(d['checks']) for d in r['deploys']))" "$WORK/report-checks.json")
python3 - "$with" "$without" "$checks" "$HOURS" <<'PY'
import sys
with_, without, checks, hours = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
print(f"backtest of {hours} h, 48 customers, best of the rounds")
print(f"  without deploy checks   {without:7.3f} s")
print(f"  with deploy checks      {with_:7.3f} s   ({checks} checks)")
print(f"  ratio with / without    {with_ / without:7.3f}")
if checks:
    print(f"  per check               {1000 * (with_ - without) / checks:7.1f} ms (3 outcomes × 49 scopes × 5 metrics at most)")
PY
