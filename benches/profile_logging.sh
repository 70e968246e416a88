#!/usr/bin/env bash
# Where logging spends its time: `perf record` of the release service (call graphs) while one
# client logs TRIPS trips in 10,000-trip requests, as benches/logging_bench.sh sends them.
#
#   benches/profile_logging.sh                 then: perf report -i "$OUT" --no-children
#
# Environment (defaults in brackets): TRIPS [300000], OUT [/tmp/gc-logging-profile.data],
# SKIP_BUILD [0] (1 = use the binary in target/release). Needs `perf` (linux-perf).
set -euo pipefail

cd "$(dirname "$0")/.."
TRIPS=${TRIPS:-300000}
OUT=${OUT:-/tmp/gc-logging-profile.data}
WORKERS=2
PORT=18186
BASE="http://127.0.0.1:$PORT"
ADMIN=bench-admin-token
CAMPAIGN=bench-green-weeks
# shellcheck source=benches/common.sh
source benches/common.sh

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  cargo build --release --bins
fi
BIN=$PWD/target/release/green-commute

TMP=$(mktemp -d /tmp/gc-logging-profile.XXXXXX)
cleanup() {
  stop_started
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

python3 benches/gen_bodies.py trips "$TMP/bodies" --total "$TRIPS" --orgs 5 --start 2026-05-01 --days 60
start_service "$PORT" "sqlite://$TMP/profile.db" "$TMP/service.log"
python3 benches/bench_client.py setup "$BASE" "$ADMIN" "$CAMPAIGN" 2026-05-01 2026-06-29 5 "$TMP/keys"
perf record -F 2000 -g --call-graph dwarf,16384 -p "$SERVICE_PID" -o "$OUT" >"$TMP/perf.log" 2>&1 &
PERF_PID=$!
sleep 1
python3 benches/bench_client.py log "$BASE" "$CAMPAIGN" "$TMP/keys" "$TMP/bodies"
kill -INT "$PERF_PID"
wait "$PERF_PID" || true
echo "profile: $OUT (perf report -i $OUT --no-children --sort comm,sym)"
