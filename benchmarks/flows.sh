#!/usr/bin/env bash
# Recovery-flow benchmark: complete SMS + TOTP flows through the API per second (release build, SQLite,
# demo mode so SMS codes land in the development outbox). Prints figures; asserts nothing.
#
# Usage: benchmarks/flows.sh [--no-build] [--flows N] [--connections N] [--keep]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
BIN="${LIFELINE_BIN:-$REPO/.build/release/lifeline}"
BUILD=1; KEEP=0; FLOWS=3000; CONNS=32
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) BUILD=0 ;;
    --keep) KEEP=1 ;;
    --flows) FLOWS="$2"; shift ;;
    --connections) CONNS="$2"; shift ;;
    *) echo "flows.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
[[ "$FLOWS" =~ ^[1-9][0-9]*$ && "$CONNS" =~ ^[1-9][0-9]*$ ]] || { echo "flows.sh: --flows/--connections need positive integers" >&2; exit 2; }
if [ "$BUILD" = 1 ]; then (cd "$REPO" && swift build -c release --product lifeline); fi
[ -x "$BIN" ] || { echo "flows.sh: binary not found: $BIN" >&2; exit 1; }

WORK="$(mktemp -d)"; PID=""
cleanup() {
  [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  if [ "$KEEP" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
# Per-address limit lifted: the load comes from one address. Logs at warning, so logging is not measured.
LIFELINE_RECOVERY_REQUESTS_PER_MINUTE=100000 "$BIN" serve --demo --data-dir "$WORK/data" --port "$PORT" --log-level warning >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do grep -q "listening on" "$WORK/server.log" 2>/dev/null && break; sleep 0.1; done
KEY="$(sed -n 's/^ *admin: *\(ll_[A-Za-z0-9_]*\).*/\1/p' "$WORK/server.log" | head -1)"
[ -n "$KEY" ] || { echo "flows.sh: server did not start:"; cat "$WORK/server.log"; exit 1; }
python3 "$HERE/flows.py" --port "$PORT" --admin-key "$KEY" --flows "$FLOWS" --connections "$CONNS" --server-pid "$PID"
echo "server peak RSS: $(awk '/VmHWM/ {printf "%.1f MB", $2/1024}' /proc/$PID/status)"
