#!/usr/bin/env bash
# Issue 2 benchmarks: POST /v1/estimate against a bare actix-web JSON endpoint (the floor), and
# POST /v1/estimate/batch with 10,000 trips from one client.
#
#   benches/http_bench.sh
#
# Environment (defaults in brackets):
#   DURATION [10]      seconds per wrk run        ROUNDS [5]         A/B pairs (A=floor, B=service; the order alternates)
#   THREADS [2]        wrk threads                CONNECTIONS [64]   wrk connections
#   WORKERS [2]        server workers (both)      WARMUP [5]         warm-up seconds per server
#   BATCH_DURATION [15] seconds of the batch run  BATCH_TRIPS [10000] trips per batch request
#   SKIP_BUILD [0]     1 = use the binaries already in target/release
#   BEFORE_BIN []      another build of the service (e.g. before a change), run as C in every
#                      round beside A and B, so that a change is measured against the same floor
# Goals: estimate >= 0.85x the floor's req/s; batch >= 300,000 trips/s.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-5}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
WORKERS=${WORKERS:-2}
WARMUP=${WARMUP:-5}
BATCH_DURATION=${BATCH_DURATION:-15}
BATCH_TRIPS=${BATCH_TRIPS:-10000}
FLOOR_PORT=18181
SERVICE_PORT=18182
FLOOR="http://127.0.0.1:$FLOOR_PORT"
SERVICE="http://127.0.0.1:$SERVICE_PORT"
ADMIN=bench-admin-token
# shellcheck source=benches/common.sh
source benches/common.sh

ensure_wrk

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  cargo build --release --bins --examples
fi
BIN=$ROOT/target/release/green-commute
MINIMAL=$ROOT/target/release/examples/minimal_json

TMP=$(mktemp -d /tmp/gc-http-bench.XXXXXX)
cleanup() {
  stop_started
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$MINIMAL" --bind 127.0.0.1:$FLOOR_PORT --workers "$WORKERS" >"$TMP/minimal.log" 2>&1 &
FLOOR_PID=$!
PIDS+=($FLOOR_PID)
wait_until_up "$FLOOR/v1/estimate" "$TMP/minimal.log"
start_service $SERVICE_PORT "sqlite://$TMP/http.db" "$TMP/service.log"
BEFORE="http://127.0.0.1:18183"
if [[ -n "${BEFORE_BIN:-}" ]]; then
  MAIN_PID=$SERVICE_PID
  BIN=$BEFORE_BIN start_service 18183 "sqlite://$TMP/before.db" "$TMP/before.log"
  BEFORE_PID=$SERVICE_PID
  SERVICE_PID=$MAIN_PID
fi

python3 benches/gen_bodies.py estimate "$TMP/estimate.json"
python3 benches/gen_bodies.py batch "$TMP/batch.json" --count "$BATCH_TRIPS"

# Sanity: both answer 200 to the same body; the service's batch answer has no failed item.
for url in "$FLOOR/v1/estimate" "$SERVICE/v1/estimate"; do
  code=$(curl -s -o "$TMP/answer.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$TMP/estimate.json" "$url")
  [[ $code == 200 ]] || { echo "$url answered $code: $(cat "$TMP/answer.json")" >&2; exit 1; }
done
for url in "$FLOOR/v1/estimate/batch" "$SERVICE/v1/estimate/batch"; do
  code=$(curl -s -o "$TMP/batch_answer.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$TMP/batch.json" "$url")
  [[ $code == 200 ]] || { echo "$url answered $code: $(head -c 500 "$TMP/batch_answer.json")" >&2; exit 1; }
  python3 - "$TMP/batch_answer.json" "$BATCH_TRIPS" <<'EOF'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
failed = [r for r in results if "error" in r]
assert len(results) == int(sys.argv[2]), len(results)
assert not failed, failed[:3]
EOF
done
echo "request body: $(wc -c <"$TMP/estimate.json") bytes; batch body: $(wc -c <"$TMP/batch.json") bytes, $BATCH_TRIPS trips"
echo "service single answer: $(wc -c <"$TMP/answer.json") bytes; batch answer: $(wc -c <"$TMP/batch_answer.json") bytes"

# NAME URL BODY THREADS CONNECTIONS SECONDS SERVER_PID → prints the parsed wrk line plus
# cpu_us=: the server's CPU time (user + system, all threads) per request, which the machine's
# noise disturbs much less than req/s does.
run_wrk() {
  local name=$1 url=$2 body=$3 t=$4 c=$5 d=$6 pid=$7 before after line
  before=$(python3 benches/bench_client.py cputime "$pid")
  BODY_FILE=$body wrk -t"$t" -c"$c" -d"${d}s" --latency -s benches/post_body.lua "$url" >"$TMP/$name.wrk"
  after=$(python3 benches/bench_client.py cputime "$pid")
  line=$(python3 benches/bench_client.py wrk "$TMP/$name.wrk")
  echo "$line cpu_us=$(python3 -c "print(f'{($after - $before) * 1e6 / $(field requests "$line"):.2f}')")"
}

echo "warm-up: ${WARMUP}s each"
run_wrk warm-floor "$FLOOR/v1/estimate" "$TMP/estimate.json" "$THREADS" "$CONNECTIONS" "$WARMUP" $FLOOR_PID >/dev/null
run_wrk warm-service "$SERVICE/v1/estimate" "$TMP/estimate.json" "$THREADS" "$CONNECTIONS" "$WARMUP" $SERVICE_PID >/dev/null
if [[ -n "${BEFORE_BIN:-}" ]]; then
  run_wrk warm-before "$BEFORE/v1/estimate" "$TMP/estimate.json" "$THREADS" "$CONNECTIONS" "$WARMUP" $BEFORE_PID >/dev/null
fi

echo "== POST /v1/estimate: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $WORKERS workers each, A=floor B=service, $ROUNDS rounds"
ratios=(); before_ratios=()
floor_sum=0; service_sum=0; floor_cpu=0; service_cpu=0
for round in $(seq 1 "$ROUNDS"); do
  # Odd rounds run the floor first, even rounds last, so that a machine getting slower or
  # faster during the run favours neither.
  order=(floor service); [[ -n "${BEFORE_BIN:-}" ]] && order+=(before)
  if (( round % 2 == 0 )); then order=($(printf '%s\n' "${order[@]}" | tac)); fi
  for who in "${order[@]}"; do
    case $who in
      floor) a=$(run_wrk "floor-$round" "$FLOOR/v1/estimate" "$TMP/estimate.json" "$THREADS" "$CONNECTIONS" "$DURATION" $FLOOR_PID) ;;
      service) b=$(run_wrk "service-$round" "$SERVICE/v1/estimate" "$TMP/estimate.json" "$THREADS" "$CONNECTIONS" "$DURATION" $SERVICE_PID) ;;
      before) c=$(run_wrk "before-$round" "$BEFORE/v1/estimate" "$TMP/estimate.json" "$THREADS" "$CONNECTIONS" "$DURATION" $BEFORE_PID) ;;
    esac
  done
  ra=$(field rps "$a"); rb=$(field rps "$b")
  ratios+=("$(python3 -c "print($rb/$ra)")")
  printf 'round %d  A floor   %10.0f req/s  p50 %s ms  server CPU %s us/request\n' "$round" "$ra" "$(field p50_ms "$a")" "$(field cpu_us "$a")"
  printf 'round %d  B service %10.0f req/s  p50 %s ms  server CPU %s us/request  (B/A %.3f)\n' "$round" "$rb" \
    "$(field p50_ms "$b")" "$(field cpu_us "$b")" "${ratios[-1]}"
  if [[ -n "${BEFORE_BIN:-}" ]]; then
    rc=$(field rps "$c")
    before_ratios+=("$(python3 -c "print($rc/$ra)")")
    printf 'round %d  C before  %10.0f req/s  p50 %s ms  server CPU %s us/request  (C/A %.3f)\n' "$round" "$rc" \
      "$(field p50_ms "$c")" "$(field cpu_us "$c")" "${before_ratios[-1]}"
  fi
  floor_sum=$(python3 -c "print($floor_sum+$ra)")
  service_sum=$(python3 -c "print($service_sum+$rb)")
  floor_cpu=$(python3 -c "print($floor_cpu+$(field cpu_us "$a"))")
  service_cpu=$(python3 -c "print($service_cpu+$(field cpu_us "$b"))")
done
if [[ -n "${BEFORE_BIN:-}" ]]; then
  python3 - "${before_ratios[@]}" <<'EOF'
import statistics, sys
r = sorted(float(x) for x in sys.argv[1:])
print(f"RESULT before ({len(r)} rounds): per-round C/A median {statistics.median(r):.3f}, "
      f"mean {statistics.mean(r):.3f}, range {r[0]:.3f}-{r[-1]:.3f}")
EOF
fi
python3 - "$floor_sum" "$service_sum" "$ROUNDS" "$floor_cpu" "$service_cpu" "${ratios[@]}" <<'EOF'
import statistics, sys
floor, service, rounds = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
floor_cpu, service_cpu = float(sys.argv[4]) / rounds, float(sys.argv[5]) / rounds
per_round = sorted(float(r) for r in sys.argv[6:])
ratio = service / floor
print(f"RESULT estimate: floor {floor/rounds:.0f} req/s, service {service/rounds:.0f} req/s, "
      f"ratio {ratio:.3f} (goal >= 0.85: {'met' if ratio >= 0.85 else 'MISSED'}); "
      f"per-round B/A median {statistics.median(per_round):.3f}, range {per_round[0]:.3f}-{per_round[-1]:.3f}; "
      f"server CPU per request: floor {floor_cpu:.1f} us, service {service_cpu:.1f} us, "
      f"floor/service {floor_cpu/service_cpu:.3f}")
EOF

echo "== POST /v1/estimate/batch, $BATCH_TRIPS trips per request, one client (wrk -t1 -c1 -d${BATCH_DURATION}s)"
run_wrk warm-batch "$SERVICE/v1/estimate/batch" "$TMP/batch.json" 1 1 3 $SERVICE_PID >/dev/null
fb=$(run_wrk batch-floor "$FLOOR/v1/estimate/batch" "$TMP/batch.json" 1 1 "$BATCH_DURATION" $FLOOR_PID)
sb=$(run_wrk batch-service "$SERVICE/v1/estimate/batch" "$TMP/batch.json" 1 1 "$BATCH_DURATION" $SERVICE_PID)
python3 - "$(field rps "$fb")" "$(field rps "$sb")" "$(field p50_ms "$sb")" "$BATCH_TRIPS" <<'EOF'
import sys
floor_rps, service_rps, p50, trips = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
floor, service = floor_rps * trips, service_rps * trips
print(f"RESULT batch: service {service:.0f} trips/s ({service_rps:.2f} req/s, p50 {p50} ms); "
      f"bare actix batch floor {floor:.0f} trips/s; ratio to floor {service/floor:.3f}; "
      f"goal >= 300000 trips/s: {'met' if service >= 300000 else 'MISSED'}")
EOF
