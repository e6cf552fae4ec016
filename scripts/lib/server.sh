# shellcheck shell=bash
# Starting and stopping `lifeline serve` (and other long-running children) in the end-to-end scripts
# (scripts/e2e.sh, scripts/e2e-authenticator.sh, scripts/e2e-offline.sh, benchmarks/offline.sh): one piece of code.
#
# Source this file after setting:
#   BIN            the lifeline binary
#   PY, HELPER     the Python 3 interpreter itself (not a shim: `exec` must keep the pid) and scripts/e2e_checks.py
#   LOGS           the folder for each server's stdout (NAME.out) and stderr (NAME.err)
#   STOP_TIMEOUT   seconds a server gets to exit after a signal (default 10)
#   READY_TIMEOUT  seconds a server gets to answer /ready (default 60)
#
#   start_server NAME ARG...   `lifeline ARG...` in the background with default signal handling; sets SERVER_PID and
#                              adds it to SERVERS
#   wait_ready BASE PID        waits until BASE/ready answers 200; prints the reason on failure (nothing when ready)
#   stop_server PID [SIGNAL]   SIGNAL (default TERM), then KILL after STOP_TIMEOUT s; sets STOP_RC (the exit status, or
#                              "timeout" when it had to be killed) and STOP_SECS (seconds waited, in tenths)
#   stop_all_servers           stop_server for every server still running (for the EXIT trap)
#
# Safe with `set -euo pipefail`.

SERVERS=()          # pids of running servers
SERVER_PID=""
STOP_RC=""
STOP_SECS=""

start_server() {
    local name="$1"
    shift
    # A simple command, not a function: $! must be the server's own pid (python execs it in place; a background job of
    # a non-interactive bash starts with SIGINT ignored, which exec resets).
    "$PY" "$HELPER" exec "$BIN" "$@" </dev/null >"$LOGS/$name.out" 2>"$LOGS/$name.err" &
    SERVER_PID=$!
    SERVERS+=("$SERVER_PID")
}

forget_server() {
    local pid="$1" p rest=()
    for p in "${SERVERS[@]}"; do
        if [ "$p" != "$pid" ]; then rest+=("$p"); fi
    done
    SERVERS=("${rest[@]}")
}

wait_ready() {
    { "$PY" "$HELPER" wait-http "$1/ready" --pid "$2" --timeout "${READY_TIMEOUT:-60}" 2>&1 >/dev/null || true; } | tail -n 1
}

stop_server() {
    local pid="$1" sig="${2:-TERM}" i=0 rc=0 limit=$(( ${STOP_TIMEOUT:-10} * 10 ))
    STOP_RC=""
    kill -s "$sig" "$pid" 2>/dev/null || true
    while [ "$i" -lt "$limit" ] && kill -0 "$pid" 2>/dev/null; do
        sleep 0.1
        i=$((i + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
        STOP_RC=timeout
    fi
    wait "$pid" 2>/dev/null || rc=$?
    if [ -z "$STOP_RC" ]; then STOP_RC=$rc; fi
    STOP_SECS="$((i / 10)).$((i % 10))"
    forget_server "$pid"
}

stop_all_servers() {
    local pid
    for pid in "${SERVERS[@]}"; do
        stop_server "$pid" TERM
    done
}
