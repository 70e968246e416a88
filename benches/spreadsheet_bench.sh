#!/usr/bin/env bash
# Issue 11 benchmark: one upload of ROWS (default 100,000) single-leg trips as a coordinator's
# CSV (Chinese headers and values, UTF-8) and as an XLSX (date cells), and the same trips as JSON
# in 10,000-trip requests, the baseline measured in the same run. Each case runs on a fresh
# service and database, so that its peak RSS (VmHWM) is its own. Prints rows/s, the ratio to
# JSON, the peak RSS and its growth over the idle service.
#
#   benches/spreadsheet_bench.sh               full run
#   ROWS=20000 benches/spreadsheet_bench.sh    quick run
#
# Environment: ROWS [100000], WORKERS [2], SKIP_BUILD [0] (1 = use the binaries as they are),
# PROFILE [release] (debug, with SKIP_BUILD=1, to try the script quickly).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
ROWS=${ROWS:-100000}
WORKERS=${WORKERS:-2}
STARTS_ON=2026-05-01
ENDS_ON=2026-06-29
DAYS=60
CAMPAIGN=bench-sheets
ADMIN=bench-admin-token
PORT=18187
BASE="http://127.0.0.1:$PORT"
XLSX_TYPE=application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
# shellcheck source=benches/common.sh
source benches/common.sh

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  cargo build --release --bin green-commute --example csv_to_xlsx
fi
PROFILE=${PROFILE:-release}
BIN=$ROOT/target/$PROFILE/green-commute

TMP=$(mktemp -d /tmp/gc-sheet-bench.XXXXXX)
trap 'stop_started; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

echo "== generating $ROWS single-leg trips as JSON batches, CSV and XLSX"
python3 benches/gen_bodies.py trips "$TMP/json" --total "$ROWS" --orgs 1 --start "$STARTS_ON" \
  --days "$DAYS" --single-leg --sheet "$TMP/trips.csv"
"$ROOT/target/$PROFILE/examples/csv_to_xlsx" "$TMP/trips.csv" "$TMP/trips.xlsx"
echo "CSV $(du -h "$TMP/trips.csv" | cut -f1), XLSX $(du -h "$TMP/trips.xlsx" | cut -f1)"

hwm_kib() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

# CASE: runs one case on a fresh service; prints `CASE rows_per_s=R peak_kib=P idle_kib=I`.
run_case() {
  local case=$1 db="$TMP/$1.db" line
  rm -f "$db"*
  start_service "$PORT" "sqlite://$db" "$TMP/$case.log"
  python3 benches/bench_client.py setup "$BASE" "$ADMIN" "$CAMPAIGN" "$STARTS_ON" "$ENDS_ON" 1 "$TMP/keys"
  local idle
  idle=$(hwm_kib "$SERVICE_PID")
  case $case in
    json) line=$(python3 benches/bench_client.py log "$BASE" "$CAMPAIGN" "$TMP/keys" "$TMP/json") ;;
    csv) line=$(python3 benches/bench_client.py upload "$BASE" "$CAMPAIGN" "$TMP/keys" "$TMP/trips.csv" text/csv "$ROWS") ;;
    csv_dry_run) line=$(python3 benches/bench_client.py upload "$BASE" "$CAMPAIGN" "$TMP/keys" "$TMP/trips.csv" text/csv "$ROWS" 1) ;;
    xlsx) line=$(python3 benches/bench_client.py upload "$BASE" "$CAMPAIGN" "$TMP/keys" "$TMP/trips.xlsx" "$XLSX_TYPE" "$ROWS") ;;
  esac
  local rate
  rate=$(field trips_per_s "$line")
  [[ -n "$rate" ]] || rate=$(field rows_per_s "$line")
  echo "$case rows_per_s=$rate peak_kib=$(hwm_kib "$SERVICE_PID") idle_kib=$idle"
  kill "$SERVICE_PID"
  wait "$SERVICE_PID" 2>/dev/null || true
}

echo "== uploads of $ROWS rows, each on a fresh service (workers=$WORKERS)"
results=()
for case in json csv xlsx csv_dry_run; do
  line=$(run_case "$case")
  echo "$line"
  results+=("$line")
done

python3 - "${results[@]}" <<'PY'
import sys
rows = {}
for line in sys.argv[1:]:
    name, *fields = line.split()
    rows[name] = {k: float(v) for k, v in (f.split("=") for f in fields)}
base = rows["json"]["rows_per_s"]
print(f"{'case':<12} {'rows/s':>9} {'÷ JSON':>7} {'peak RSS MiB':>13} {'growth MiB':>11}")
for name, r in rows.items():
    print(f"{name:<12} {r['rows_per_s']:>9.0f} {r['rows_per_s'] / base:>7.2f} "
          f"{r['peak_kib'] / 1024:>13.1f} {(r['peak_kib'] - r['idle_kib']) / 1024:>11.1f}")
PY
