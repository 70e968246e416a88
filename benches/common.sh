# Shared by the benchmark scripts (sourced, not run). The caller sets BIN, ADMIN and WORKERS and
# keeps the PIDs of what it starts in PIDS, which `stop_started` ends.

PIDS=()

# wrk from Debian, installed when missing.
ensure_wrk() {
  if ! command -v wrk >/dev/null; then
    echo "installing wrk" >&2
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
  fi
}

# Stops every process in PIDS (for the caller's EXIT trap).
stop_started() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

# URL LOG [-f]: waits until URL answers (with -f: answers with a success status); otherwise
# prints LOG and exits.
wait_until_up() {
  local i
  for i in $(seq 1 100); do
    curl -s ${3:-} -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "server at $1 did not start:" >&2
  cat "$2" >&2
  exit 1
}

# PORT DATABASE_URL LOG [more serve flags…]: starts the service, waits until it is ready and sets
# SERVICE_PID.
start_service() {
  local port=$1 database=$2 log=$3
  shift 3
  "$BIN" serve --bind "127.0.0.1:$port" --database-url "$database" --admin-token "$ADMIN" \
    --workers "$WORKERS" "$@" >"$log" 2>&1 &
  SERVICE_PID=$!
  PIDS+=("$SERVICE_PID")
  wait_until_up "http://127.0.0.1:$port/readyz" "$log" -f
}

# NAME LINE: the value of `NAME=value` in a result line.
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }
