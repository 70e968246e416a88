#!/usr/bin/env bash
# Issue 3 benchmarks on embedded SQLite:
#   1. log TRIPS trips (default 1,000,000) in 10,000-trip JSON requests from one keep-alive client
#      → trips/s, against examples/sqlite_floor inserting the very same rows (copied from the
#      service's database, same order) with a prepared statement, 10,000 rows per transaction,
#      in the same run → ratio (goal >= 0.5);
#   2. leaderboard p50 latency with 10,000 trips (a separate fresh database) and with TRIPS trips,
#      alternating small/large ROUNDS times → ratio (goal <= 1.5);
#   3. RSS of the service holding TRIPS trips, after the leaderboard runs (goal <= 64 MiB).
#
#   benches/logging_bench.sh              full run (~1 GB of temporary files under /tmp)
#   TRIPS=100000 benches/logging_bench.sh quick run
#
# Environment (defaults in brackets): TRIPS [1000000], ORGS [5], WORKERS [2], ROUNDS [3],
# LATENCY_SECONDS [10], FLOOR_RUNS [2], SKIP_BUILD [0] (1 = use the binaries in target/release),
# KEEP_TMP [0] (1 = keep the temporary folder for inspection), LEADERBOARD_QUERY [sort=regularity]
# (the leaderboard's query: every entry carries headcount, participation rate and regularity;
# sorting by regularity makes the fair ranking's rollups decide the order too).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
TRIPS=${TRIPS:-1000000}
SMALL_TRIPS=10000
ORGS=${ORGS:-5}
WORKERS=${WORKERS:-2}
ROUNDS=${ROUNDS:-3}
LATENCY_SECONDS=${LATENCY_SECONDS:-10}
FLOOR_RUNS=${FLOOR_RUNS:-2}
LEADERBOARD_QUERY=${LEADERBOARD_QUERY-sort=regularity}
STARTS_ON=2026-05-01
ENDS_ON=2026-06-29   # 60 days
DAYS=60
CAMPAIGN=bench-green-weeks
ADMIN=bench-admin-token
LARGE_PORT=18183
SMALL_PORT=18184
LARGE="http://127.0.0.1:$LARGE_PORT"
SMALL="http://127.0.0.1:$SMALL_PORT"
# shellcheck source=benches/common.sh
source benches/common.sh

ensure_wrk

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  cargo build --release --bins --examples
fi
BIN=$ROOT/target/release/green-commute
FLOOR=$ROOT/target/release/examples/sqlite_floor

TMP=$(mktemp -d /tmp/gc-logging-bench.XXXXXX)
cleanup() {
  stop_started
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

check_total() { # BASE_URL EXPECTED: the leaderboard's trip count equals what was sent
  python3 - "$1/v1/campaigns/$CAMPAIGN/leaderboard" "$2" <<'EOF'
import json, sys, urllib.request
entries = json.load(urllib.request.urlopen(sys.argv[1]))["entries"]
total = sum(e["trips"] for e in entries)
assert total == int(sys.argv[2]), f"leaderboard counts {total} trips, expected {sys.argv[2]}"
EOF
}

echo "== generating bodies: $TRIPS trips ($ORGS organizations, $DAYS days) and $SMALL_TRIPS trips"
python3 benches/gen_bodies.py trips "$TMP/large" --total "$TRIPS" --orgs "$ORGS" --start "$STARTS_ON" --days "$DAYS"
python3 benches/gen_bodies.py trips "$TMP/small" --total "$SMALL_TRIPS" --orgs "$ORGS" --start "$STARTS_ON" --days "$DAYS"
echo "large bodies: $(du -sh "$TMP/large" | cut -f1)"

# ---- 1. logging throughput ----
start_service "$LARGE_PORT" "sqlite://$TMP/large.db" "$TMP/large.log"
LARGE_PID=$SERVICE_PID
python3 benches/bench_client.py setup "$LARGE" "$ADMIN" "$CAMPAIGN" "$STARTS_ON" "$ENDS_ON" "$ORGS" "$TMP/large.keys"
echo "== logging $TRIPS trips in $(grep -c . "$TMP/large/manifest.tsv") requests, one keep-alive client"
log_line=$(python3 benches/bench_client.py log "$LARGE" "$CAMPAIGN" "$TMP/large.keys" "$TMP/large")
echo "$log_line"
check_total "$LARGE" "$TRIPS"
echo "service database: $(du -ch "$TMP"/large.db* | tail -1 | cut -f1)"
rss_after_logging=$(ps -o rss= -p "$LARGE_PID" | tr -d ' ')

echo "== sqlite_floor: the same $TRIPS rows (copied from the service's database), $FLOOR_RUNS runs"
floor_sum=0
for run in $(seq 1 "$FLOOR_RUNS"); do
  floor_line=$("$FLOOR" --rows "$TRIPS" --db "$TMP/floor.db" --copy-from "$TMP/large.db")
  echo "run $run: $floor_line"
  floor_sum=$(python3 -c "print($floor_sum + $(field rows_per_s "$floor_line"))")
done
python3 - "$(field trips_per_s "$log_line")" "$floor_sum" "$FLOOR_RUNS" <<'EOF'
import sys
service, floor = float(sys.argv[1]), float(sys.argv[2]) / int(sys.argv[3])
ratio = service / floor
print(f"RESULT logging: service {service:.0f} trips/s, sqlite floor {floor:.0f} rows/s, "
      f"ratio {ratio:.3f} (goal >= 0.5: {'met' if ratio >= 0.5 else 'MISSED'})")
EOF

# ---- 2. leaderboard latency ----
start_service "$SMALL_PORT" "sqlite://$TMP/small.db" "$TMP/small.log"
SMALL_PID=$SERVICE_PID
python3 benches/bench_client.py setup "$SMALL" "$ADMIN" "$CAMPAIGN" "$STARTS_ON" "$ENDS_ON" "$ORGS" "$TMP/small.keys"
python3 benches/bench_client.py log "$SMALL" "$CAMPAIGN" "$TMP/small.keys" "$TMP/small" >/dev/null
check_total "$SMALL" "$SMALL_TRIPS"

echo "== GET /v1/campaigns/$CAMPAIGN/leaderboard?$LEADERBOARD_QUERY: wrk -t1 -c1 -d${LATENCY_SECONDS}s --latency, small/large x $ROUNDS"
lb() { # NAME BASE_URL SECONDS
  wrk -t1 -c1 -d"${3}s" --latency "$2/v1/campaigns/$CAMPAIGN/leaderboard?$LEADERBOARD_QUERY" >"$TMP/$1.wrk"
  python3 benches/bench_client.py wrk "$TMP/$1.wrk"
}
lb warm-small "$SMALL" 2 >/dev/null
lb warm-large "$LARGE" 2 >/dev/null
small_p50s=()
large_p50s=()
for round in $(seq 1 "$ROUNDS"); do
  s=$(lb "small-$round" "$SMALL" "$LATENCY_SECONDS")
  l=$(lb "large-$round" "$LARGE" "$LATENCY_SECONDS")
  echo "round $round  $SMALL_TRIPS trips: $s"
  echo "round $round  $TRIPS trips: $l"
  small_p50s+=("$(field p50_ms "$s")")
  large_p50s+=("$(field p50_ms "$l")")
done
python3 - "${small_p50s[*]}" "${large_p50s[*]}" "$SMALL_TRIPS" "$TRIPS" <<'EOF'
import statistics, sys
small = statistics.median(map(float, sys.argv[1].split()))
large = statistics.median(map(float, sys.argv[2].split()))
ratio = large / small
print(f"RESULT leaderboard p50: {small:.3f} ms at {sys.argv[3]} trips, {large:.3f} ms at {sys.argv[4]} trips, "
      f"ratio {ratio:.3f} (goal <= 1.5: {'met' if ratio <= 1.5 else 'MISSED'})")
EOF

# ---- 3. memory ----
rss=$(ps -o rss= -p "$LARGE_PID" | tr -d ' ')
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$LARGE_PID/status")
small_rss=$(ps -o rss= -p "$SMALL_PID" | tr -d ' ')
python3 - "$rss" "$hwm" "$rss_after_logging" "$small_rss" "$TRIPS" <<'EOF'
import sys
rss, hwm, after_logging, small = (int(x) / 1024 for x in sys.argv[1:5])
print(f"RESULT rss: {rss:.1f} MiB with {sys.argv[5]} trips after the leaderboard runs "
      f"(right after logging {after_logging:.1f} MiB, peak VmHWM {hwm:.1f} MiB; "
      f"the 10,000-trip instance {small:.1f} MiB; ratio to 64 MiB {rss/64:.3f}; "
      f"goal <= 64 MiB: {'met' if rss <= 64 else 'MISSED'})")
EOF
