#!/usr/bin/env bash
# Instructions per `POST /v1/estimate`, the service against the bare actix floor, counted by
# valgrind's callgrind: exact counts of user-space instructions that this machine's noise (CPU
# steal, a neighbour's build) cannot move, to put beside the wrk throughput ratio of
# benches/http_bench.sh. The kernel's share (sockets, scheduling) is not counted, and an
# instruction is not a nanosecond (memset and memcpy count per byte), so the ratio is a
# diagnostic, not the goal.
#
#   benches/estimate_instructions.sh                 build, then count both
#   SKIP_BUILD=1 benches/estimate_instructions.sh    use the binaries in target/release
#
# Environment: SECONDS_COUNTED [8] seconds of counted load; BIN / FLOOR_BIN to count other
# builds (e.g. an older commit's release binary).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_COUNTED=${SECONDS_COUNTED:-8}
ADMIN=bench-admin-token
WORKERS=1
# shellcheck source=benches/common.sh
source benches/common.sh

ensure_wrk
if ! command -v valgrind >/dev/null; then
  echo "installing valgrind" >&2
  apt-get install -y valgrind >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y valgrind >/dev/null; }
fi
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  cargo build --release --bins --examples
fi
BIN=${BIN:-$ROOT/target/release/green-commute}
FLOOR_BIN=${FLOOR_BIN:-$ROOT/target/release/examples/minimal_json}

TMP=$(mktemp -d /tmp/gc-instructions.XXXXXX)
cleanup() {
  stop_started
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

python3 benches/gen_bodies.py estimate "$TMP/estimate.json"

# NAME PORT COMMAND…: runs COMMAND under callgrind with counting off, warms it up, counts
# SECONDS_COUNTED seconds of one-connection load and prints instructions per request.
count() {
  local name=$1 port=$2
  shift 2
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$TMP/$name.out" \
    "$@" >"$TMP/$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  wait_until_up "http://127.0.0.1:$port/v1/estimate" "$TMP/$name.log"
  local load=(wrk -t1 -c2 -s benches/post_body.lua "http://127.0.0.1:$port/v1/estimate")
  BODY_FILE=$TMP/estimate.json "${load[@]}" -d3s >/dev/null
  callgrind_control -i on "$pid" >/dev/null
  local requests
  requests=$(BODY_FILE=$TMP/estimate.json "${load[@]}" -d"${SECONDS_COUNTED}s" |
    sed -n 's/ *\([0-9]*\) requests in.*/\1/p')
  callgrind_control -i off "$pid" >/dev/null
  callgrind_control -d "$pid" >/dev/null
  local dump
  for _ in $(seq 1 50); do
    dump=$(ls "$TMP/$name.out".* 2>/dev/null | head -1 || true)
    [[ -n $dump ]] && break
    sleep 0.2
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local total
  total=$(sed -n "s/^totals: *\([0-9]*\).*/\1/p" "$dump")
  echo "$name requests=$requests instructions=$total per_request=$((total / requests))"
}

floor=$(count floor 18186 "$FLOOR_BIN" --bind 127.0.0.1:18186 --workers 1)
echo "$floor"
service=$(count service 18187 "$BIN" serve --bind 127.0.0.1:18187 \
  --database-url "sqlite://$TMP/instructions.db" --admin-token "$ADMIN" --workers 1)
echo "$service"
python3 - "$(field per_request "$floor")" "$(field per_request "$service")" <<'PY'
import sys
floor, service = int(sys.argv[1]), int(sys.argv[2])
print(f"instructions per request: floor {floor}, service {service}, floor/service {floor / service:.3f}")
PY
