#!/usr/bin/env bash
# goalpost localize against re-implemented published localizers (Adtributor, RiskLoc, Squeeze, HotSpot) on the
# same generated Squeeze-format data: F1 (exact element match, micro-averaged per setting) and mean ms per
# instance (localization only, parsing excluded), side by side.
#
#   scripts/bench/localize-compare.sh [--instances N] [--seed S] [--out DIR] [--hard]
#   GOALPOST=path/to/goalpost scripts/bench/localize-compare.sh      # default .build/release/goalpost
#
# --instances: instances per setting (default 10; 12 settings of 19,200 leaves each). --hard passes --hard to
# the generator as well (overlapping causes, rises and drops, leaves off the ripple effect) and compares on
# both datasets. Everything is pinned to CPU 0 with taskset when available, so goalpost (Swift) and the
# baselines (Python) time on the same core; Python vs Swift still confounds the speed ratio.
set -euo pipefail

cd "$(dirname "$0")/../.."
INSTANCES=10
SEED=1
OUT=/tmp/localize-compare
HARD=0
while [ $# -gt 0 ]; do
    case "$1" in
        --instances) INSTANCES="$2"; shift 2 ;;
        --seed) SEED="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --hard) HARD=1; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
GOALPOST="${GOALPOST:-.build/release/goalpost}"
[ -x "$GOALPOST" ] || { echo "no goalpost binary at $GOALPOST (set GOALPOST=...)" >&2; exit 1; }

PIN=()
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then PIN=(taskset -c 0); fi
export PYTHONDONTWRITEBYTECODE=1

compare() {  # compare NAME [generator flags...]
    local name="$1"; shift
    local dir="$OUT/$name"
    rm -rf "$dir"; mkdir -p "$dir"
    local t0=$SECONDS
    python3 scripts/gen_squeeze.py --out "$dir/data" --instances "$INSTANCES" --seed "$SEED" "$@"
    echo "== $name: generated $INSTANCES instances per setting in $((SECONDS - t0)) s (seed $SEED${*:+, $*})" >&2
    t0=$SECONDS
    "${PIN[@]}" "$GOALPOST" localize --input "$dir/data" --output "$dir/goalpost.csv" > "$dir/goalpost-summary.txt"
    echo "== $name: goalpost localize in $((SECONDS - t0)) s" >&2
    t0=$SECONDS
    "${PIN[@]}" python3 scripts/bench/localize_baselines.py --input "$dir/data" --method all \
        --csv "$dir/baselines.csv" > "$dir/baselines-summary.txt"
    echo "== $name: baselines in $((SECONDS - t0)) s" >&2
    echo
    echo "### $name data (seed $SEED, $INSTANCES instances per setting${*:+, $*}; pinned: ${PIN[*]:-no})"
    echo
    python3 scripts/bench/localize_baselines.py --report "$dir/goalpost.csv" "$dir/baselines.csv"
}

compare default
if [ "$HARD" = 1 ]; then compare hard --hard; fi
echo
echo "Per-instance rows: $OUT/*/goalpost.csv and $OUT/*/baselines.csv; per-method summaries next to them." >&2
