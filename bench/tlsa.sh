#!/usr/bin/env bash
# Benchmarks dance tlsa against danetool (GnuTLS):
#   1. one 3 1 1 record from one certificate, whole process, the two tools
#      measured alternately in one session with hyperfine;
#   2. N certificates (default 10,000) in one dance run against one
#      danetool run per certificate, extrapolated from a sample;
#   3. records per second and peak RSS for 1k, 10k and 50k certificates.
# Certificate generation happens before any timing.
#
# Usage: bench/tlsa.sh [WORKDIR]   (DANCE_BIN overrides build/tools/dance)
set -euo pipefail
cd "$(dirname "$0")/.."
source_root=$PWD

dance=${DANCE_BIN:-$source_root/build/tools/dance}
work=${1:-$(mktemp -d)}
rounds=${ROUNDS:-3}          # alternating hyperfine rounds for part 1
runs=${RUNS:-100}            # runs per tool per round
sample=${SAMPLE:-200}        # danetool runs timed for part 2
sizes=${SIZES:-"1000 10000 50000"}
mkdir -p "$work"
echo "workdir: $work"
echo "dance: $dance ($("$dance" --version))"
echo "danetool: $(danetool --version | head -1)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

# ---- Certificates ---------------------------------------------------------

# Writes COUNT self-signed certificates into DIR, one ECDSA P-256 key for
# all (only the subject and serial differ), plus DIR.list for --batch.
generate() {
    local dir=$1 count=$2
    [ -f "$dir.list" ] && [ "$(wc -l <"$dir.list")" = "$count" ] && return
    mkdir -p "$dir"
    echo "generating $count certificates in $dir"
    if python3 -c 'import cryptography' 2>/dev/null; then
        python3 "$source_root/bench/make_certificates.py" "$dir" "$count"
    else
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
            -out "$dir.key" 2>/dev/null
        seq 1 "$count" | xargs -P 4 -I{} openssl req -x509 -key "$dir.key" \
            -subj "/CN=device{}.example" -days 365 -out "$dir/device{}.pem" \
            2>/dev/null
    fi
    for i in $(seq 1 "$count"); do
        echo "device$i.pem device$i._device.example"
    done >"$dir.list"
}

max_size=10000
for size in $sizes; do
    [ "$size" -gt "$max_size" ] && max_size=$size
done
generate "$work/certs" "$max_size"
one=$work/certs/device1.pem
for size in $sizes; do
    head -n "$size" "$work/certs.list" >"$work/certs/list-$size.txt"
done

# ---- 1. One record, whole process -----------------------------------------

echo
echo "== 1. one 3 1 1 record from one certificate ($rounds rounds of $runs runs each, alternating)"
dance_cmd="$dance tlsa --owner device1._device.example $one"
danetool_cmd="danetool --tlsa-rr --load-certificate $one --host device1.example"
for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) = 1 ]; then
        first=$dance_cmd second=$danetool_cmd
    else
        first=$danetool_cmd second=$dance_cmd
    fi
    hyperfine -N --warmup 10 --runs "$runs" --export-json \
        "$work/single-$round.json" -n "$(echo "$first" | cut -d' ' -f1 | xargs basename)" "$first" \
        -n "$(echo "$second" | cut -d' ' -f1 | xargs basename)" "$second" >/dev/null
done
python3 - "$work" "$rounds" <<'EOF'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
times = {}
for r in range(1, rounds + 1):
    for result in json.load(open(f"{work}/single-{r}.json"))["results"]:
        times.setdefault(result["command"], []).extend(result["times"])
medians = {k: statistics.median(v) * 1000 for k, v in times.items()}
for name, ms in medians.items():
    print(f"  {name:9} median {ms:.2f} ms over {len(times[name])} runs")
print(f"  dance / danetool = {medians['dance'] / medians['danetool']:.2f}")
EOF

# ---- 2. A fleet in one run ------------------------------------------------

fleet=10000
echo
echo "== 2. $fleet certificates: one dance run vs one danetool run per certificate"
"$dance" tlsa --batch "$work/certs/list-$fleet.txt" >"$work/fleet.out"
[ "$(wc -l <"$work/fleet.out")" = "$fleet" ]
hyperfine -N --warmup 1 --runs 5 --export-json "$work/fleet.json" \
    "$dance tlsa --batch $work/certs/list-$fleet.txt" >/dev/null
start=$(date +%s.%N)
for i in $(seq 1 "$sample"); do
    danetool --tlsa-rr --load-certificate "$work/certs/device$i.pem" \
        --host "device$i.example" >/dev/null
done
end=$(date +%s.%N)
python3 - "$work/fleet.json" "$start" "$end" "$sample" "$fleet" <<'EOF'
import json, statistics, sys
path, start, end, sample, fleet = sys.argv[1:]
dance = statistics.median(json.load(open(path))["results"][0]["times"])
per_run = (float(end) - float(start)) / int(sample)
danetool = per_run * int(fleet)
print(f"  dance, one run:        {dance:.2f} s (median of 5)")
print(f"  danetool, per run:     {per_run * 1000:.2f} ms (mean of {sample} sequential runs)")
print(f"  danetool, extrapolated: {danetool:.1f} s for {fleet}")
print(f"  speed-up: {danetool / dance:.0f}x")
EOF

# ---- 3. Throughput and memory ---------------------------------------------

echo
echo "== 3. records per second and peak memory"
for size in $sizes; do
    /usr/bin/time -v "$dance" tlsa --batch "$work/certs/list-$size.txt" \
        >/dev/null 2>"$work/time-$size.txt"
    python3 - "$work/time-$size.txt" "$size" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
size = int(sys.argv[2])
wall = text.split("Elapsed (wall clock) time (h:mm:ss or m:ss): ")[1].split()[0]
parts = [float(p) for p in wall.split(":")]
seconds = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) > 2 else 0)
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
print(f"  {size:6} certificates: {seconds:6.2f} s, {size / seconds:8.0f} records/s, peak RSS {rss / 1024:.1f} MiB")
EOF
done
