#!/usr/bin/env bash
# Measure the rotation function as it is deployed: build the zip with
# scripts/package.sh, unpack it, start MariaDB and moto (scripts/services.sh),
# and run harness/bench.py (python -m harness.bench), which drives the zip's
# bootstrap through the Runtime API emulator. Stops everything it started, and stops by itself.
#
#   scripts/bench.sh [OUTPUT_JSON] [bench.py options...]
#       OUTPUT_JSON   default: bench-results.json
#       --checkout    measure this checkout's ./bootstrap (swift build -c
#                     release) instead of the packaged zip
#   e.g. scripts/bench.sh /tmp/bench.json --rotations 20 --cold 5
#
#   scripts/bench.sh --network [OUTPUT_JSON] [--rtt 0,2,20] [--rotations N] [--cold N] [--checkout]
#       HTTPS to Secrets Manager through a TLS front, TLS to MariaDB, and a
#       round-trip time on both paths (harness/bench_network.py); prints
#       time and serial round trips per step. Default output:
#       bench-network-results.json
#
#   scripts/bench.sh --downtime [OUTPUT_JSON] [--rotations N] [--cache-seconds S] [--variants …] [--checkout]
#       failed logins of a client that caches the secret and logs in every
#       10 ms during rotations, per strategy (harness/bench_downtime.py).
#       Default output: bench-downtime-results.json
#   scripts/bench.sh --fleet [OUTPUT_JSON] [--secrets 300] [--concurrency 1,4,8] [--checkout]
#       the fleet check (CheckAll) over hundreds of secrets in moto, each its
#       own MariaDB user (harness/bench_fleet.py); prints time per secret and
#       connections held at once. Default output: bench-fleet-results.json
#   scripts/bench.sh --coldstart [OUTPUT_JSON] [--memory-size 128,512,1769] [--runs 30]
#       the packaged zip's cold start, spawn to its first GET /next, under
#       Lambda's CPU share for each memory size (harness/bench_coldstart.py);
#       median and p90 of wall time and CPU. No services needed. Default
#       output: bench-coldstart-results.json
#
#   --memory-size MB (rotation, --network and --fleet benches): the function
#       runs in a cgroup limited to Lambda's CPU share at that memory size
#       (one vCPU at 1,769 MB; harness/cpu_share.py). Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

network=false
downtime=false
fleet=false
coldstart=false
if [[ "${1:-}" == --network ]]; then
    network=true
    shift
elif [[ "${1:-}" == --downtime ]]; then
    downtime=true
    shift
elif [[ "${1:-}" == --fleet ]]; then
    fleet=true
    shift
elif [[ "${1:-}" == --coldstart ]]; then
    coldstart=true
    shift
fi
output="$root/bench-results.json"
if $network; then output="$root/bench-network-results.json"; fi
if $downtime; then output="$root/bench-downtime-results.json"; fi
if $fleet; then output="$root/bench-fleet-results.json"; fi
if $coldstart; then output="$root/bench-coldstart-results.json"; fi
if [[ $# -gt 0 && "$1" != --* ]]; then
    output=$1
    shift
fi
case "$output" in /*) ;; *) output=$root/$output ;; esac

checkout=false
bench_args=()
for arg in "$@"; do
    if [[ "$arg" == --checkout ]]; then checkout=true; else bench_args+=("$arg"); fi
done

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import boto3, pymysql, moto, werkzeug' 2>/dev/null; then
    "$PYTHON" -m pip install -q -r scripts/requirements-test.txt >&2
fi

work=$(mktemp -d)
services="$work/services"
cleanup() {
    scripts/services.sh stop "$services" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "bench: load before building: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs" >&2
zip_args=()
if $checkout; then
    swift build -c release >&2
    command="$root/bootstrap"
    if [[ -f dist/rotator.zip ]]; then zip_args=(--zip "$root/dist/rotator.zip"); fi
else
    # What Lambda runs: the stripped, statically linked Swift binary, its
    # own loader and libraries, started by the zip's bootstrap.
    scripts/package.sh "$work/rotator.zip" >/dev/null
    mkdir "$work/function"
    (cd "$work/function" && unzip -q "$work/rotator.zip")
    command="$work/function/bootstrap"
    zip_args=(--zip "$work/rotator.zip")
fi

if $coldstart; then
    if $checkout; then echo "bench.sh: --coldstart measures the packaged zip only" >&2; exit 2; fi
    echo "bench: load before measuring: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    "$PYTHON" -m harness.bench_coldstart --function "$work/function" --output "$output" "${bench_args[@]}"
    exit
fi

scripts/services.sh start "$services" >&2
# shellcheck disable=SC1091
source "$services/env"

echo "bench: load before measuring: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
if $fleet; then
    "$PYTHON" -m harness.bench_fleet --command "$command" --output "$output" "${bench_args[@]}"
    exit
fi
if $downtime; then
    "$PYTHON" -m harness.bench_downtime --command "$command" --output "$output" "${bench_args[@]}"
    exit
fi
if $network; then
    "$PYTHON" -m harness.bench_network --command "$command" --output "$output" "${bench_args[@]}"
    exit
fi
"$PYTHON" -m harness.bench --command "$command" "${zip_args[@]}" --output "$output" "${bench_args[@]}"
