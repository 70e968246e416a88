#!/usr/bin/env bash
# Issue 4 benchmark on PostgreSQL (127.0.0.1:5432, user postgres, trust auth):
#   log TRIPS trips (default 1,000,000) in 10,000-trip JSON requests
#     a. into one service process from one keep-alive client,
#     b. into two service processes on the same database, half of the requests each, at once,
#   and compare with examples/pg_floor inserting the very same rows (copied from the service's
#   database) with plain multi-row inserts (INSERT … SELECT FROM UNNEST, 10,000 rows per
#   statement and transaction), in the same run → ratios (goal >= 0.5).
#
#   benches/pg_logging_bench.sh               full run
#   TRIPS=100000 benches/pg_logging_bench.sh  quick run
#
# Environment (defaults in brackets): TRIPS [1000000], ORGS [6], WORKERS [2], FLOOR_RUNS [2],
# PG [postgres://postgres@127.0.0.1:5432], SKIP_BUILD [0] (1 = use the binaries in target/release).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
TRIPS=${TRIPS:-1000000}
ORGS=${ORGS:-6}
WORKERS=${WORKERS:-2}
FLOOR_RUNS=${FLOOR_RUNS:-2}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
STARTS_ON=2026-05-01
ENDS_ON=2026-06-29
DAYS=60
CAMPAIGN=bench-green-weeks
ADMIN=bench-admin-token
RUN_ID=$$
# shellcheck source=benches/common.sh
source benches/common.sh

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  cargo build --release --bins --example pg_floor
fi
BIN=$ROOT/target/release/green-commute
FLOOR=$ROOT/target/release/examples/pg_floor

TMP=$(mktemp -d /tmp/gc-pg-bench.XXXXXX)
DATABASES=()
sql() { psql "$PG/postgres" -qAt -v ON_ERROR_STOP=1 -c "$1" >/dev/null; }
new_database() { # NAME → sets DATABASE_URL (not echoed: a subshell would lose DATABASES)
  local name="gc_bench_${1}_$RUN_ID"
  sql "DROP DATABASE IF EXISTS $name WITH (FORCE)"
  sql "CREATE DATABASE $name"
  DATABASES+=("$name")
  DATABASE_URL="$PG/$name"
}
cleanup() {
  local name
  stop_started
  for name in "${DATABASES[@]}"; do sql "DROP DATABASE IF EXISTS $name WITH (FORCE)" || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

split_manifest() { # DIR → DIR/half0, DIR/half1, alternate requests
  local half
  for half in 0 1; do
    mkdir -p "$1/half$half"
    awk -v h="$half" 'NR % 2 == h + 0 { print }' "$1/manifest.tsv" >"$1/half$half/manifest.tsv"
    cut -f1 "$1/half$half/manifest.tsv" | while read -r name; do ln -s "$1/$name" "$1/half$half/$name"; done
  done
}
check_total() { # BASE_URL EXPECTED
  python3 - "$1/v1/campaigns/$CAMPAIGN/summary" "$2" <<'PY'
import json, sys, urllib.request
trips = json.load(urllib.request.urlopen(sys.argv[1]))["trips"]
assert trips == int(sys.argv[2]), f"summary counts {trips} trips, expected {sys.argv[2]}"
PY
}

echo "== generating bodies: $TRIPS trips ($ORGS organizations, $DAYS days)"
python3 benches/gen_bodies.py trips "$TMP/large" --total "$TRIPS" --orgs "$ORGS" --start "$STARTS_ON" --days "$DAYS"
split_manifest "$TMP/large"

# ---- a. one process ----
new_database one
ONE=$DATABASE_URL
start_service 18191 "$ONE" "$TMP/one.log" --write-rate 0
python3 benches/bench_client.py setup http://127.0.0.1:18191 "$ADMIN" "$CAMPAIGN" "$STARTS_ON" "$ENDS_ON" "$ORGS" "$TMP/one.keys"
echo "== one process: $TRIPS trips in $(grep -c . "$TMP/large/manifest.tsv") requests, one keep-alive client"
one_line=$(python3 benches/bench_client.py log http://127.0.0.1:18191 "$CAMPAIGN" "$TMP/one.keys" "$TMP/large")
echo "$one_line"
check_total http://127.0.0.1:18191 "$TRIPS"

# ---- b. two processes, one database ----
new_database two
TWO=$DATABASE_URL
start_service 18192 "$TWO" "$TMP/two-a.log" --write-rate 0
start_service 18193 "$TWO" "$TMP/two-b.log" --write-rate 0
python3 benches/bench_client.py setup http://127.0.0.1:18192 "$ADMIN" "$CAMPAIGN" "$STARTS_ON" "$ENDS_ON" "$ORGS" "$TMP/two.keys"
echo "== two processes: half of the requests each, at once, one client per process"
python3 benches/bench_client.py log http://127.0.0.1:18192 "$CAMPAIGN" "$TMP/two.keys" "$TMP/large/half0" >"$TMP/two-a.out" &
client_a=$!
python3 benches/bench_client.py log http://127.0.0.1:18193 "$CAMPAIGN" "$TMP/two.keys" "$TMP/large/half1" >"$TMP/two-b.out" &
client_b=$!
wait "$client_a" "$client_b"
two_a=$(cat "$TMP/two-a.out")
two_b=$(cat "$TMP/two-b.out")
echo "process a: $two_a"
echo "process b: $two_b"
check_total http://127.0.0.1:18193 "$TRIPS"

# ---- floor ----
echo "== pg_floor: the same $TRIPS rows, plain multi-row INSERT, $FLOOR_RUNS runs"
floor_sum=0
for run in $(seq 1 "$FLOOR_RUNS"); do
  new_database "floor$run"
  target=$DATABASE_URL
  floor_line=$("$FLOOR" --source "$ONE" --target "$target")
  echo "run $run: $floor_line"
  floor_sum=$(python3 -c "print($floor_sum + $(field rows_per_s "$floor_line"))")
done

python3 - "$(field trips_per_s "$one_line")" "$(field seconds "$two_a")" "$(field seconds "$two_b")" \
  "$TRIPS" "$floor_sum" "$FLOOR_RUNS" <<'PY'
import sys
one, sec_a, sec_b, trips = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
floor = float(sys.argv[5]) / int(sys.argv[6])
two = trips / max(sec_a, sec_b)
for name, value in [("one process", one), ("two processes", two)]:
    ratio = value / floor
    print(f"RESULT {name}: {value:.0f} trips/s, floor {floor:.0f} rows/s, ratio {ratio:.3f} "
          f"(goal >= 0.5: {'met' if ratio >= 0.5 else 'MISSED'})")
PY
