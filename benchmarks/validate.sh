#!/usr/bin/env bash
# Lifeline validation benchmark: POST /api/v1/validate throughput/latency with a fresh, correct
# TOTP code on every request, compared with GET /health on the same server, plus peak RSS.
#
# Usage: benchmarks/validate.sh [--postgres] [--duration S] [--no-build] [--pin]
#                               [--users N] [--tenants N] [--threads N] [--connections N] [--keep]
# --tenants N spreads the users round-robin over N tenants (bench1..benchN; default 1: tenant bench), e.g. to
# measure audit chains per tenant (issue 14 item 7) with --postgres --tenants 4. --pin adds as many users whose token
# has a PIN and a second validate run with PIN ‖ OTP right after the OTP-only one (A/B in one run, issue 16).
# See benchmarks/README.md. It only prints results (targets met / not met); it asserts nothing.
# Everything listens on 127.0.0.1; everything it starts is stopped on exit.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
BIN="${LIFELINE_BIN:-$REPO/.build/release/lifeline}"
PG_LIB="${LIFELINE_PG_LIB:-$REPO/scripts/lib/postgres.sh}"

POSTGRES=0
BUILD=1
KEEP=0
DURATION=6
USERS=10000
THREADS=2
CONNECTIONS=32
TENANT=bench
TENANTS=1
PIN_MODE=0
BENCH_PIN=7391

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
is_uint() { [[ "$1" =~ ^[1-9][0-9]*$ ]]; }

while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) POSTGRES=1 ;;
    --no-build) BUILD=0 ;;
    --keep) KEEP=1 ;;
    --pin) PIN_MODE=1 ;;
    --duration) DURATION="${2:-}"; shift ;;
    --duration=*) DURATION="${1#*=}" ;;
    --users) USERS="${2:-}"; shift ;;
    --users=*) USERS="${1#*=}" ;;
    --tenants) TENANTS="${2:-}"; shift ;;
    --tenants=*) TENANTS="${1#*=}" ;;
    --threads) THREADS="${2:-}"; shift ;;
    --threads=*) THREADS="${1#*=}" ;;
    --connections) CONNECTIONS="${2:-}"; shift ;;
    --connections=*) CONNECTIONS="${1#*=}" ;;
    -h|--help) usage; exit 0 ;;
    *) echo "validate.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
for v in DURATION USERS TENANTS THREADS CONNECTIONS; do
  is_uint "${!v}" || { echo "validate.sh: --${v,,} needs a positive integer (got '${!v}')" >&2; exit 2; }
done
[ "$CONNECTIONS" -ge "$THREADS" ] || { echo "validate.sh: --connections must be >= --threads" >&2; exit 2; }
if [ "$PIN_MODE" = 1 ] && [ "$DURATION" -gt 14 ]; then
  echo "validate.sh: warning: --pin runs validate twice; --duration $DURATION makes them cross a 30 s TOTP step" >&2
elif [ "$DURATION" -gt 28 ]; then
  echo "validate.sh: warning: --duration $DURATION crosses a 30 s TOTP step; step t-1 codes not yet" \
       "used by then fall out of the window and are rejected" >&2
fi

# Run a long step as a waited-for background child, so that INT/TERM run the cleanup at once.
run_child() {
  local rc=0
  "$@" &
  CHILD_PID=$!
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=""
  return "$rc"
}
log() { printf '\n==> %s\n' "$*"; }
die() { echo "validate.sh: error: $*" >&2; exit 1; }

# ------------------------------------------------------------------ cleanup
WORK=""
SERVER_PID=""
CHILD_PID=""
PG_STARTED=0
cleanup() {
  local rc=$?
  set +e
  if [ -n "$CHILD_PID" ] && kill -0 "$CHILD_PID" 2>/dev/null; then
    kill -TERM "$CHILD_PID" 2>/dev/null
    wait "$CHILD_PID" 2>/dev/null
  fi
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  if [ "$PG_STARTED" = 1 ] && declare -F pg_stop >/dev/null; then
    pg_stop >/dev/null 2>&1 || echo "validate.sh: warning: pg_stop failed" >&2
  fi
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then
    if [ "$KEEP" = 1 ]; then
      echo "validate.sh: kept $WORK" >&2
    else
      rm -rf "$WORK"
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ 1. build
if [ "$BUILD" = 1 ]; then
  log "building release: swift build -c release --product lifeline"
  t0=$(date +%s)
  (cd "$REPO" && swift build -c release --product lifeline)
  echo "build took $(( $(date +%s) - t0 )) s"
fi
[ -x "$BIN" ] || die "binary not found: $BIN (build it, or drop --no-build)"

# ------------------------------------------------------------------ 2. tools
command -v python3 >/dev/null || die "python3 is required"
ensure_tools() {
  local missing=() need_update=0 sudo=""
  command -v wrk >/dev/null || missing+=(wrk)
  command -v oathtool >/dev/null || missing+=(oathtool)
  command -v curl >/dev/null || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  for p in "${missing[@]}"; do
    apt-cache show "$p" >/dev/null 2>&1 || need_update=1
  done
  log "installing ${missing[*]}"
  if [ "$need_update" = 1 ]; then $sudo apt-get update -q; fi
  if ! $sudo apt-get install -y -q "${missing[@]}"; then
    [ "$need_update" = 1 ] && die "apt-get install ${missing[*]} failed"
    $sudo apt-get update -q && $sudo apt-get install -y -q "${missing[@]}" || die "apt-get install ${missing[*]} failed"
  fi
}
ensure_tools

log "TOTP self-test (RFC 6238 vectors, cross-check with oathtool)"
python3 "$HERE/totp_bench.py" selftest --count 5 --require-oathtool

# ------------------------------------------------------------------ 3. storage, keys, server
WORK="$(mktemp -d "${TMPDIR:-/tmp}/lifeline-bench.XXXXXX")"
cd "$WORK"   # anything the binary writes relative to its cwd lands in the temp dir

if [ "$POSTGRES" = 1 ]; then
  [ -f "$PG_LIB" ] || die "$PG_LIB not found (needed for --postgres)"
  log "starting a throwaway PostgreSQL ($PG_LIB)"
  # shellcheck source=/dev/null
  source "$PG_LIB"
  PG_STARTED=1
  # durable settings, as a production server would have (the library's test defaults may relax them)
  pg_start fsync=on synchronous_commit=on full_page_writes=on || die "pg_start failed"
  [ -n "${LIFELINE_TEST_POSTGRES_URL:-}" ] || die "pg_start did not export LIFELINE_TEST_POSTGRES_URL"
  STORE_ARGS=(--database "$LIFELINE_TEST_POSTGRES_URL")
  STORE_DESC="PostgreSQL (throwaway)"
else
  mkdir -p "$WORK/data"
  STORE_ARGS=(--data-dir "$WORK/data")
  STORE_DESC="SQLite ($WORK/data)"
fi

log "creating keys and tenant with the CLI"
if ! "$BIN" migrate "${STORE_ARGS[@]}" >"$WORK/migrate.log" 2>&1; then
  echo "validate.sh: warning: 'lifeline migrate' failed (continuing):" >&2
  tail -n 5 "$WORK/migrate.log" >&2
fi
"$BIN" migrate "${STORE_ARGS[@]}" >/dev/null
ADMIN_KEY="$("$BIN" apikey create --scope admin --name bench-admin "${STORE_ARGS[@]}" | tail -n 1 | tr -d '[:space:]')"
VALIDATE_KEY="$("$BIN" apikey create --scope validate --name bench-validate "${STORE_ARGS[@]}" | tail -n 1 | tr -d '[:space:]')"
[ -n "$ADMIN_KEY" ] && [ -n "$VALIDATE_KEY" ] || die "apikey create printed no key"
if [ "$TENANTS" -gt 1 ]; then
  TENANT="$(seq -s, -f 'bench%g' 1 "$TENANTS")"
fi
for t in ${TENANT//,/ }; do
  "$BIN" tenant create "$t" --display-name "Benchmark $t" "${STORE_ARGS[@]}" >/dev/null
done
echo "admin key ${ADMIN_KEY:0:6}..., validate key ${VALIDATE_KEY:0:6}..., tenants $TENANT"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"
log "starting lifeline serve on $BASE, $STORE_DESC"
"$BIN" serve --host 127.0.0.1 --port "$PORT" "${STORE_ARGS[@]}" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

server_alive() {
  kill -0 "$SERVER_PID" 2>/dev/null && return 0
  echo "validate.sh: the server (pid $SERVER_PID) is not running; last log lines:" >&2
  tail -n 20 "$WORK/server.log" >&2
  return 1
}
ready=0
for _ in $(seq 1 150); do   # <= ~30 s
  server_alive || exit 1
  if curl -fsS --max-time 2 "$BASE/health" >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.2
done
[ "$ready" = 1 ] || die "server did not answer GET /health within 30 s"
echo "server pid $SERVER_PID is up"

# ------------------------------------------------------------------ 4. users and tokens
log "creating $USERS users with a TOTP token each (admin API, 16 workers)"
run_child python3 "$HERE/totp_bench.py" populate --base-url "$BASE" --admin-key "$ADMIN_KEY" \
  --tenant "$TENANT" --users "$USERS" --workers 16 --out "$WORK/secrets.tsv" 2>"$WORK/populate.err" \
  || { cat "$WORK/populate.err" >&2; server_alive || true; die "creating users/tokens failed"; }
POPULATE_S="$(sed -n 's/^POPULATE_SECONDS=//p' "$WORK/populate.err")"
server_alive || exit 1
if [ "$PIN_MODE" = 1 ]; then
  log "creating $USERS more users whose token has a PIN (validate takes PIN ‖ OTP)"
  run_child python3 "$HERE/totp_bench.py" populate --base-url "$BASE" --admin-key "$ADMIN_KEY" \
    --tenant "$TENANT" --users "$USERS" --workers 16 --prefix p --pin "$BENCH_PIN" --out "$WORK/secrets-pin.tsv" \
    2>"$WORK/populate-pin.err" || { cat "$WORK/populate-pin.err" >&2; server_alive || true; die "creating users/tokens with a PIN failed"; }
  cat "$WORK/secrets-pin.tsv" >>"$WORK/secrets.tsv"
  server_alive || exit 1
fi

# ------------------------------------------------------------------ 5. validate run
log "validate: precomputing $((USERS * 3)) requests (steps t-1, t, t+1) and waiting for a step boundary"
PLAN_PIN=()
[ "$PIN_MODE" = 1 ] && PLAN_PIN=(--pin-out "$WORK/requests-pin.txt")
run_child python3 "$HERE/totp_bench.py" plan --secrets "$WORK/secrets.tsv" --tenant "$TENANT" \
  --out "$WORK/requests.txt" --margin 2 --offset 0.5 --check 5 "${PLAN_PIN[@]}"
# server CPU seconds (user + system) so far, from /proc: steadier than throughput on a shared machine
server_cpu() { awk -v t="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$SERVER_PID/stat"; }
log "wrk POST /api/v1/validate: -t$THREADS -c$CONNECTIONS -d${DURATION}s"
V_CPU0=$(server_cpu)
run_child wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$HERE/validate.lua" "$BASE" \
  -- "$WORK/requests.txt" "$VALIDATE_KEY" "$THREADS" >"$WORK/wrk-validate.txt" 2>&1 \
  || { cat "$WORK/wrk-validate.txt" >&2; die "wrk (validate) failed"; }
V_CPU1=$(server_cpu)
cat "$WORK/wrk-validate.txt"
server_alive || exit 1
if [ "$PIN_MODE" = 1 ]; then
  # B of the A/B: the same settings, right after A and inside the same TOTP window, with PIN ‖ OTP in code.
  log "wrk POST /api/v1/validate with PIN ‖ OTP: -t$THREADS -c$CONNECTIONS -d${DURATION}s"
  P_CPU0=$(server_cpu)
  run_child wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$HERE/validate.lua" "$BASE" \
    -- "$WORK/requests-pin.txt" "$VALIDATE_KEY" "$THREADS" >"$WORK/wrk-validate-pin.txt" 2>&1 \
    || { cat "$WORK/wrk-validate-pin.txt" >&2; die "wrk (validate, PIN) failed"; }
  P_CPU1=$(server_cpu)
  cat "$WORK/wrk-validate-pin.txt"
  server_alive || exit 1
fi
metrics="$(curl -fsS --max-time 5 "$BASE/metrics" 2>/dev/null | grep '^lifeline_validations_total' || true)"
[ -n "$metrics" ] && { echo "server metrics:"; echo "$metrics" | sed 's/^/  /'; }

# ------------------------------------------------------------------ 6. health run
log "wrk GET /health: -t$THREADS -c$CONNECTIONS -d${DURATION}s"
H_CPU0=$(server_cpu)
run_child wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$HERE/health.lua" "$BASE/health" \
  >"$WORK/wrk-health.txt" 2>&1 || { cat "$WORK/wrk-health.txt" >&2; die "wrk (health) failed"; }
H_CPU1=$(server_cpu)
cat "$WORK/wrk-health.txt"
server_alive || exit 1

# ------------------------------------------------------------------ 7. peak RSS
HWM_KB="$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status")"
RSS_KB="$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")"

# ------------------------------------------------------------------ 8. summary
# bench FILE KEY: value of KEY=... on the "BENCH ..." lines of FILE
bench() { awk -v k="$2" '$1 == "BENCH" { for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == k) v = a[2] } } END { print (v == "" ? "nan" : v) }' "$1"; }
calc() { awk "BEGIN { printf \"%.6f\", ($1) }"; }

V=$WORK/wrk-validate.txt; H=$WORK/wrk-health.txt
V_RPS=$(bench "$V" rps); V_P50=$(bench "$V" p50_ms); V_P99=$(bench "$V" p99_ms)
V_RESP=$(bench "$V" responses); V_ACC=$(bench "$V" accepts); V_REJ=$(bench "$V" rejects)
V_OTH=$(bench "$V" others); V_NON200=$(bench "$V" non200); V_SERR=$(bench "$V" socket_errors)
V_FRESH=$(bench "$V" fresh); V_ISSUED=$(bench "$V" issued); V_WRAP=$(bench "$V" wrapped)
V_A0=$(bench "$V" acc0); V_A1=$(bench "$V" acc1); V_A2=$(bench "$V" acc2)
H_RPS=$(bench "$H" rps); H_P50=$(bench "$H" p50_ms); H_P99=$(bench "$H" p99_ms)
H_SERR=$(bench "$H" socket_errors); H_STERR=$(bench "$H" status_errors)

ACC_FRAC=$(calc "$V_RESP > 0 ? 100 * $V_ACC / $V_RESP : 0")
# responses to never-used codes: all of them if the list did not run out, else the whole list
FRESH_DONE=$(calc "$V_WRAP > 0 ? $V_FRESH : $V_RESP" | cut -d. -f1)
FRESH_ACC_FRAC=$(calc "$FRESH_DONE > 0 ? 100 * $V_ACC / $FRESH_DONE : 0")
RATIO=nan
[[ "$V_RPS" =~ ^[0-9.]+$ && "$H_RPS" =~ ^[0-9.]+$ ]] && RATIO=$(calc "$H_RPS > 0 ? 100 * $V_RPS / $H_RPS : 0")
# server CPU per request, in microseconds (requests = responses of the run)
H_REQ=$(bench "$H" requests)
V_CPU_US=$(calc "$V_RESP > 0 ? 1e6 * ($V_CPU1 - $V_CPU0) / $V_RESP : 0")
H_CPU_US=$(calc "$H_REQ > 0 ? 1e6 * ($H_CPU1 - $H_CPU0) / $H_REQ : 0")
RSS_MB=nan
[[ "$HWM_KB" =~ ^[0-9]+$ ]] && RSS_MB=$(calc "$HWM_KB / 1024")

# met VALUE OP LIMIT
met() {
  if [[ ! "$1" =~ ^[0-9.]+$ ]]; then echo "unknown (no measurement)"
  elif awk "BEGIN { exit !($1 $2 $3) }"; then echo "met"
  else echo "NOT MET"; fi
}
R_RATIO=$(met "$RATIO" ">=" 60)
R_P99=$(met "$V_P99" "<" 10)
R_RSS=$(met "$RSS_MB" "<" 150)

COMMIT="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
cat <<EOF

==================== Lifeline validate benchmark ====================
commit $COMMIT, $STORE_DESC, $(nproc) cores
wrk: $THREADS threads, $CONNECTIONS connections, ${DURATION} s per run; $USERS users
user+token creation:  ${POPULATE_S:-?} s (admin API, 16 workers)

POST /api/v1/validate $(printf '%10.0f' "$V_RPS") req/s   p50 $(printf '%.3f' "$V_P50") ms   p99 $(printf '%.3f' "$V_P99") ms
  responses $V_RESP: accept $V_ACC, reject $V_REJ, other $V_OTH (non-200 $V_NON200), socket errors $V_SERR
  accept fraction:        $(printf '%.2f' "$ACC_FRAC") % of all responses
  fresh-code accepts:     $(printf '%.2f' "$FRESH_ACC_FRAC") % of $FRESH_DONE requests with a never-used code
  accepts by step ~:      t-1 $V_A0, t $V_A1, t+1 $V_A2
EOF
if [ "$V_WRAP" != 0 ] && [ "$V_WRAP" != nan ]; then
  echo "  NOTE: the $V_FRESH-request list ran out: $V_WRAP of $V_ISSUED requests were replays (expected rejects)"
fi
cat <<EOF
EOF
if [ "$PIN_MODE" = 1 ]; then
  P=$WORK/wrk-validate-pin.txt
  P_RPS=$(bench "$P" rps); P_P50=$(bench "$P" p50_ms); P_P99=$(bench "$P" p99_ms)
  P_RESP=$(bench "$P" responses); P_ACC=$(bench "$P" accepts); P_REJ=$(bench "$P" rejects)
  P_OTH=$(bench "$P" others); P_NON200=$(bench "$P" non200); P_SERR=$(bench "$P" socket_errors)
  P_CPU_US=$(calc "$P_RESP > 0 ? 1e6 * ($P_CPU1 - $P_CPU0) / $P_RESP : 0")
  PIN_RATIO=nan
  [[ "$V_RPS" =~ ^[0-9.]+$ && "$P_RPS" =~ ^[0-9.]+$ ]] && PIN_RATIO=$(calc "$V_RPS > 0 ? 100 * $P_RPS / $V_RPS : 0")
  cat <<EOF
POST /validate PIN+OTP $(printf '%9.0f' "$P_RPS") req/s   p50 $(printf '%.3f' "$P_P50") ms   p99 $(printf '%.3f' "$P_P99") ms
  responses $P_RESP: accept $P_ACC, reject $P_REJ, other $P_OTH (non-200 $P_NON200), socket errors $P_SERR
  server CPU / request:   $(printf '%.0f' "$P_CPU_US") us (OTP only: $(printf '%.0f' "$V_CPU_US") us)
  PIN+OTP / OTP only:     $(printf '%.1f' "$PIN_RATIO") % of the OTP-only throughput (target >= 80 %: $(met "$PIN_RATIO" ">=" 80))
EOF
fi
cat <<EOF
GET /health           $(printf '%10.0f' "$H_RPS") req/s   p50 $(printf '%.3f' "$H_P50") ms   p99 $(printf '%.3f' "$H_P99") ms   (socket errors $H_SERR, status>=400 $H_STERR)
validate/health:      $(printf '%.1f' "$RATIO") %
server CPU / request: validate $(printf '%.0f' "$V_CPU_US") us, /health $(printf '%.0f' "$H_CPU_US") us (user + system, from /proc)
peak RSS (VmHWM):     $(printf '%.1f' "$RSS_MB") MB (VmRSS at the end $(printf '%.1f' "$(calc "${RSS_KB:-0} / 1024")") MB; lifeline process only)

targets:
  validate/health >= 60 %           $(printf '%6.1f %%' "$RATIO")   $R_RATIO
  validate p99 < 10 ms @ $CONNECTIONS conns     $(printf '%6.2f ms' "$V_P99")  $R_P99
  peak RSS < 150 MB                 $(printf '%6.1f MB' "$RSS_MB")  $R_RSS
=====================================================================
EOF
