#!/usr/bin/env bash
# Offline authentication benchmark (issue 17): the server's CPU time and the size of one download of 14 days of 30-s
# steps (target: at most 50 ms of CPU, at most 1 MB), and the client's cost of one offline verification.
#
# Usage: benchmarks/offline.sh [--users N] [--release] [--keep]
#   --users N    authentications measured (default 20), and as many validations for the baseline
#   --release    build and measure release binaries (swift build -c release; not on a shared machine: it holds the
#                SwiftPM build lock for a long time);
#                without it the debug binaries of `swift build` are measured, and the output says so
#   --keep       keep the temp dir (server log, the agent's state file)
# LIFELINE_BIN / LIFELINE_AGENT_BIN override the binaries. See benchmarks/README.md. It prints figures and asserts
# nothing; it exits non-zero only when the benchmark itself could not run. Everything listens on 127.0.0.1 and is
# stopped on exit.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
USERS=20
RELEASE=0
KEEP=0
DAYS=14
TENANT=bench

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --users) USERS="${2:-}"; shift ;;
        --users=*) USERS="${1#*=}" ;;
        --release) RELEASE=1 ;;
        --keep) KEEP=1 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "offline.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
[[ "$USERS" =~ ^[1-9][0-9]*$ ]] || { echo "offline.sh: --users needs a positive integer" >&2; exit 2; }

MODE=debug
if [ "$RELEASE" = 1 ]; then MODE=release; fi
BIN="${LIFELINE_BIN:-$ROOT/.build/$MODE/lifeline}"
AGENT="${LIFELINE_AGENT_BIN:-$ROOT/.build/$MODE/lifeline-agent}"
PY="$(python3 -c 'import sys; print(sys.executable)')"
HELPER="$ROOT/scripts/e2e_checks.py"
STOP_TIMEOUT=10
READY_TIMEOUT=60
# shellcheck source=../scripts/lib/server.sh
source "$ROOT/scripts/lib/server.sh"

log() { printf '\n==> %s\n' "$*"; }
die() { echo "offline.sh: error: $*" >&2; exit 1; }

WORK=""
# shellcheck disable=SC2317  # called from the traps
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_all_servers
    if [ -n "$WORK" ]; then
        if [ "$KEEP" = 1 ]; then echo "offline.sh: kept $WORK" >&2; else rm -rf -- "$WORK"; fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$RELEASE" = 1 ] && [ -z "${LIFELINE_BIN:-}" ]; then
    log "swift build -c release (lifeline, lifeline-agent)"
    (cd "$ROOT" && swift build -c release --product lifeline && swift build -c release --product lifeline-agent)
fi
[ -x "$BIN" ] || die "$BIN is missing (swift build)"
[ -x "$AGENT" ] || die "$AGENT is missing (swift build)"
command -v oathtool >/dev/null 2>&1 || die "oathtool is missing (Debian package oathtool)"
case "$BIN" in
    */release/*) BUILD_NOTE="release build" ;;
    *) BUILD_NOTE="DEBUG build (unoptimized: expect a release build to be several times faster; benchmarks/offline.sh --release)" ;;
esac

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lifeline-bench-offline.XXXXXX")"
LOGS="$WORK"
DATA="$WORK/data"
cd "$WORK"

log "set-up: tenant $TENANT with offline: {enabled: true, min_passcode_length: 6, days: $DAYS}, an agent, keys"
"$BIN" migrate --data-dir "$DATA" >/dev/null
printf 'tenant: %s\nrecovery:\n  offline: {enabled: true, min_passcode_length: 6, days: %s}\n' "$TENANT" "$DAYS" >"$WORK/tenant.yaml"
"$BIN" tenant apply -f "$WORK/tenant.yaml" --data-dir "$DATA"
VKEY="$("$BIN" apikey create --scope validate --tenant "$TENANT" --data-dir "$DATA" | head -n 1)"
AKEY="$("$BIN" apikey create --scope admin --tenant "$TENANT" --data-dir "$DATA" | head -n 1)"
AGENT_KEY="$("$BIN" agent register --tenant "$TENANT" bench-agent --data-dir "$DATA" | awk 'NF { l = $0 } END { print l }')"
PORT="$("$PY" "$HELPER" free-port)"
BASE="http://127.0.0.1:$PORT"
# Why the larger budgets: every request comes from 127.0.0.1.
LIFELINE_RECOVERY_REQUESTS_PER_MINUTE=100000 start_server server serve --data-dir "$DATA" --port "$PORT"
SERVER="$SERVER_PID"
reason="$(wait_ready "$BASE" "$SERVER")"
[ -z "$reason" ] || die "server not ready: $reason ($(tail -n 3 "$WORK/server.err" | tr '\n' ' '))"

log "users: $((2 * USERS + 1)) with a TOTP token (admin API)"
"$PY" "$HERE/totp_bench.py" populate --base-url "$BASE" --admin-key "$AKEY" --tenant "$TENANT" \
    --users $((2 * USERS + 1)) --workers 4 --out "$WORK/secrets.tsv"
head -n $((2 * USERS)) "$WORK/secrets.tsv" >"$WORK/measured.tsv"
LAST_USER="$(tail -n 1 "$WORK/secrets.tsv" | cut -f1)"
LAST_SECRET="$(tail -n 1 "$WORK/secrets.tsv" | cut -f2)"

log "server: $USERS validations (baseline), then $USERS agent authentications with $DAYS days of offline data ($BUILD_NOTE)"
"$PY" "$HERE/offline.py" run --base-url "$BASE" --pid "$SERVER" --secrets "$WORK/measured.tsv" --tenant "$TENANT" \
    --validate-key "$VKEY" --agent-key "$AGENT_KEY" | tee "$WORK/server.txt"

log "client: the reference agent ($BUILD_NOTE)"
STATE="$WORK/laptop.json"
now="$(date +%s)"
printf '%s\n' "$(oathtool --totp -b "$LAST_SECRET" --now "@$now")" \
    | "$AGENT" --state "$STATE" --server "$BASE" --key "$AGENT_KEY" authenticate "$LAST_USER" >/dev/null \
    || die "lifeline-agent authenticate failed"
stop_server "$SERVER"
echo "state file after one download: $(stat -c %s "$STATE") bytes"
# One verification as a user runs it (process start, reading the state, 3 steps of the search), server stopped.
t=$(( (now / 30 + 2) * 30 + 10 ))
start_ns="$(date +%s%N)"
printf '%s\n' "$(oathtool --totp -b "$LAST_SECRET" --now "@$t")" | "$AGENT" --state "$STATE" verify "$LAST_USER" --now "$t" >/dev/null \
    || echo "(the verification did not accept: see $STATE)"
end_ns="$(date +%s%N)"
echo "lifeline-agent verify (whole process, wall clock): $(( (end_ns - start_ns) / 1000000 )) ms"
if "$AGENT" bench-verify --help >/dev/null 2>&1; then
    echo "lifeline-agent bench-verify (OfflineVerifier in memory, steps t-1..t+1, 2^16 hidden values each):"
    "$AGENT" bench-verify --iterations 5 | sed 's/^/  /'
fi

log "summary ($BUILD_NOTE; targets: server CPU <= 50 ms, download <= 1 MB)"
cpu="$(sed -n 's/^BENCH_SERVER_CPU_MS=//p' "$WORK/server.txt")"
base="$(sed -n 's/^BENCH_BASELINE_CPU_MS=//p' "$WORK/server.txt")"
bytes="$(sed -n 's/^BENCH_DOWNLOAD_BYTES=//p' "$WORK/server.txt")"
awk -v c="$cpu" -v b="$base" -v n="$bytes" 'BEGIN {
    printf "server CPU per download: %.1f ms (a validation alone: %.1f ms; the offline data: %.1f ms) — %s\n", c, b, c - b, (c <= 50 ? "met" : "NOT MET")
    printf "size of one download: %d bytes (%.2f MB) — %s\n", n, n / 1000000, (n <= 1000000 ? "met" : "NOT MET")
}'
