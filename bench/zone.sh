#!/usr/bin/env bash
# Times dance zone-check against kzonecheck (Knot DNS) and ldns-read-zone
# on generated zones, and prints a Markdown table of wall time and peak
# resident memory from GNU time. Each tool reads the same file; each run is
# repeated RUNS times and the fastest is kept, so the page cache is warm
# for all of them.
#
#   bench/zone.sh [RECORDS[:TLSA_PERCENT]...]
#
# The default cases, 100000:10 1000000:10 1000000:1, show time and memory
# as the zone grows and as its share of TLSA records shrinks.
#
# Environment: DANCE_BIN (default build/tools/dance), RUNS (default 3).
# scripts/install-deps.sh installs kzonecheck (knot-dnssecutils), ldnsutils
# and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."

dance=${DANCE_BIN:-build/tools/dance}
runs=${RUNS:-3}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000:10 1000000:10 1000000:1)

for tool in "$dance" kzonecheck ldns-read-zone /usr/bin/time python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "bench/zone.sh: $tool not found: build dance and run" \
            "scripts/install-deps.sh" >&2
        exit 1
    fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs a command RUNS times under GNU time; prints "seconds peak_kB" of the
# fastest run. Exit status 1 (findings) is expected from the checkers.
measure() {
    local best_time="" best_memory=""
    for _ in $(seq "$runs"); do
        /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>&1 || true
        read -r seconds memory <"$work/time"
        if [ -z "$best_time" ] ||
            awk -v a="$seconds" -v b="$best_time" 'BEGIN { exit !(a < b) }'; then
            best_time=$seconds
            best_memory=$memory
        fi
    done
    echo "$best_time $best_memory"
}

echo "| records | TLSA | tool | wall time (s) | peak RSS (MB) |"
echo "|---|---|---|---|---|"
for case in "${sizes[@]}"; do
    size=${case%%:*}
    percent=10
    [ "$case" = "$size" ] || percent=${case#*:}
    zone="$work/bench-$size.zone"
    python3 bench/gen_zone.py "$size" "$percent" >"$zone"

    declare -A commands=(
        ["dance zone-check"]="$dance zone-check --now 2026-12-01 $zone"
        ["kzonecheck"]="kzonecheck -o bench.example. $zone"
        ["ldns-read-zone"]="ldns-read-zone $zone"
    )
    for tool in "dance zone-check" "kzonecheck" "ldns-read-zone"; do
        # shellcheck disable=SC2086 # the command line is split on purpose
        read -r seconds memory <<<"$(measure ${commands[$tool]})"
        printf '| %s | %s%% | %s | %s | %.0f |\n' "$size" "$percent" "$tool" \
            "$seconds" \
            "$(awk -v kb="$memory" 'BEGIN { print kb / 1024 }')"
    done
    rm -f "$zone"
done
