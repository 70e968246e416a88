#!/usr/bin/env bash
# Soak: DURATION seconds of mixed load against one release service on SQLite, with the service's
# RSS (VmRSS) sampled every 10 s. Load, all at once for the whole run:
#   - estimates: wrk -t1 -c4 POST /v1/estimate (one multi-leg request);
#   - estimate batches: wrk -t1 -c1 POST /v1/estimate/batch (100 trips);
#   - reads: wrk -t1 -c2 GET summary, leaderboard, leaderboard.csv, an organization's summary;
#   - logging: ORGS clients (benches/soak_client.py log), batches of 20-200 new trips every
#     0.25 s, every 8th batch sent again (must come back as duplicates);
#   - bad input (soak_client.py bad): malformed JSON, a batch past 10,000 trips, a body past the
#     size limit, unknown routes, undeclared methods, bad cursors, a bad key;
#   - slow clients (soak_client.py slow): SLOW connections sending a head or a body a byte a
#     second.
# At the end it prints the requests by status class (the service's /metrics), whether any 5xx was
# seen (goal: none), and RSS after the first 60 s: min, max, max/min (goal: <= 1.10).
#
#   benches/soak.sh                     full run (600 s)
#   DURATION=120 benches/soak.sh        quick run
#
# Environment (defaults in brackets): DURATION [600], WORKERS [2], ORGS [3], SLOW [4],
# WARMUP [60] (seconds left out of the RSS figures), SKIP_BUILD [0] (1 = use the binaries
# already built), CARGO_TARGET_DIR [target], KEEP_TMP [0] (1 = keep the temporary folder).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${DURATION:-600}
WORKERS=${WORKERS:-2}
ORGS=${ORGS:-3}
SLOW=${SLOW:-4}
WARMUP=${WARMUP:-60}
PORT=18185
BASE="http://127.0.0.1:$PORT"
CAMPAIGN=soak-weeks
ADMIN=bench-admin-token
# shellcheck source=benches/common.sh
source benches/common.sh

ensure_wrk

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  cargo build --release --bins --examples
fi
BIN=${SOAK_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/green-commute}

TMP=$(mktemp -d /tmp/gc-soak.XXXXXX)
cleanup() {
  stop_started
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The write limit is off so that the logging clients log at their own pace; the others are the
# defaults.
start_service $PORT "sqlite://$TMP/soak.db" "$TMP/service.log" --write-rate 0
python3 benches/bench_client.py setup "$BASE" "$ADMIN" "$CAMPAIGN" 2026-06-01 2026-06-28 "$ORGS" "$TMP/keys"
python3 benches/gen_bodies.py estimate "$TMP/estimate.json"
python3 benches/gen_bodies.py batch "$TMP/batch.json" --count 100

echo "soak: ${DURATION}s against $BIN ($WORKERS workers, SQLite); RSS every 10 s to $TMP/rss.csv"
python3 benches/soak_client.py rss "$SERVICE_PID" "$DURATION" 10 "$TMP/rss.csv" &
RSS_PID=$!
PIDS+=("$RSS_PID")

BODY_FILE=$TMP/estimate.json wrk -t1 -c4 -d"${DURATION}s" -s benches/post_body.lua \
  "$BASE/v1/estimate" >"$TMP/wrk-estimate.txt" 2>&1 &
PIDS+=($!)
BODY_FILE=$TMP/batch.json wrk -t1 -c1 -d"${DURATION}s" -s benches/post_body.lua \
  "$BASE/v1/estimate/batch" >"$TMP/wrk-batch.txt" 2>&1 &
PIDS+=($!)
CAMPAIGN=$CAMPAIGN wrk -t1 -c2 -d"${DURATION}s" -s benches/soak_reads.lua "$BASE" \
  >"$TMP/wrk-reads.txt" 2>&1 &
PIDS+=($!)
outs=()
for org in $(seq 0 $((ORGS - 1))); do
  python3 benches/soak_client.py log "$BASE" "$CAMPAIGN" "$(sed -n "$((org + 1))p" "$TMP/keys")" \
    "$org" "$DURATION" "$TMP/log-$org.json" &
  PIDS+=($!)
  outs+=("$TMP/log-$org.json")
done
python3 benches/soak_client.py bad "$BASE" "$CAMPAIGN" "$(head -n 1 "$TMP/keys")" "$DURATION" "$TMP/bad.json" &
PIDS+=($!)
python3 benches/soak_client.py slow "$BASE" "$SLOW" "$DURATION" "$TMP/slow.json" &
PIDS+=($!)
outs+=("$TMP/bad.json" "$TMP/slow.json")

# Everything ends by itself after DURATION; the slow clients may take one more pause.
for pid in "${PIDS[@]}"; do
  [[ $pid == "$SERVICE_PID" ]] && continue
  wait "$pid" || { echo "a load process ($pid) failed" >&2; exit 1; }
done

echo "== wrk"
for name in estimate batch reads; do
  printf '%-9s %s; %s\n' "$name" "$(grep -E 'requests in' "$TMP/wrk-$name.txt" | xargs)" \
    "$(grep -E 'Non-2xx|Socket errors' "$TMP/wrk-$name.txt" | xargs echo | sed 's/^$/all 2xx, no socket errors/')"
done
echo "== trips stored: $(curl -s "$BASE/v1/campaigns/$CAMPAIGN/summary" | python3 -c 'import json,sys; print(json.load(sys.stdin)["trips"])'); database $(du -h "$TMP/soak.db" | cut -f1)"
echo "== result"
python3 benches/soak_client.py report "$BASE/metrics" "$TMP/rss.csv" "$WARMUP" "${outs[@]}"
cp "$TMP/rss.csv" "${SOAK_RSS_CSV:-/tmp/gc-soak-rss.csv}"
echo "RSS samples copied to ${SOAK_RSS_CSV:-/tmp/gc-soak-rss.csv}"
