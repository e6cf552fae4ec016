#!/usr/bin/env bash
# Offline verification on the laptop (issue 17): the time of one `lifeline-agent verify` search (3 steps x 2^16
# SHA-256 compressions) on synthetic 14-day data, the tag search's compression rate in this build, and, for
# comparison, the machine's native SHA-256 rate (openssl, one core), which is what an attacker's own code reaches.
# Prints figures; asserts nothing.
#
# Usage: benchmarks/offline-verify.sh [--no-build] [--release] [--iterations N]
# Default: the DEBUG binary (a release build takes many minutes on a small machine; Swift's debug code is several
# times slower than release, so the per-verification time printed is an upper bound). --release builds and uses
# .build/release/lifeline-agent instead.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
BUILD=1; CONFIG=debug; ITERATIONS=5
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) BUILD=0 ;;
    --release) CONFIG=release ;;
    --iterations) ITERATIONS="$2"; shift ;;
    *) echo "offline-verify.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
[[ "$ITERATIONS" =~ ^[1-9][0-9]*$ ]] || { echo "offline-verify.sh: --iterations needs a positive integer" >&2; exit 2; }
if [ "$BUILD" = 1 ]; then (cd "$REPO" && swift build -c "$CONFIG" --product lifeline-agent >/dev/null); fi
BIN="${LIFELINE_AGENT_BIN:-$REPO/.build/$CONFIG/lifeline-agent}"
[ -x "$BIN" ] || { echo "offline-verify.sh: binary not found: $BIN" >&2; exit 1; }

echo "lifeline-agent ($CONFIG build: $BIN)"
"$BIN" bench-verify --iterations "$ITERATIONS"
if command -v openssl >/dev/null; then
  # Bytes/s of SHA-256 over 16 KiB buffers / 64 bytes per block = compressions per second on one core.
  rate="$(openssl speed -seconds 3 -bytes 16384 sha256 2>/dev/null | awk '/^sha256/ {v=$2; sub(/k$/, "", v); printf "%.3g", v*1000/64}')"
  echo "native SHA-256 (openssl speed, one core): $rate compressions/s"
  awk -v r="$rate" 'BEGIN {
    h = 65536
    printf "at that rate: one verification (3 x 2^16) %.1f ms; attacker per time step: 6 digits %.0f s, 8 digits %.1f days, PIN(4)+6 digits %.0f days (one core)\n",
      3*h/r*1000, 1e6*h/r, 1e8*h/r/86400, 1e10*h/r/86400
    g = 1e10
    printf "on a GPU at an assumed 1e10 SHA-256/s: 6 digits %.1f s, 8 digits %.0f s, PIN(4)+6 digits %.1f h per time step\n", 1e6*h/g, 1e8*h/g, 1e10*h/g/3600
  }'
fi
