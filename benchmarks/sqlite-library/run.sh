#!/usr/bin/env bash
# A/B of the SQLite library under the store's statement mix (bench.c: one validation = two reads by key, then a
# transaction with an update and an audit insert): the system's libsqlite3 (as the store uses it: memory statistics
# off) against the SQLite that sqlite-nio vendors, both compiled -O2 as in a release build, the vendored one with the
# defines of sqlite-nio's Package.swift. Needs a resolved checkout (.build/checkouts/sqlite-nio: any swift build).
#
#   benchmarks/sqlite-library/run.sh [N]     wall time, three rounds of N validations each (default 100000)
#   CALLGRIND=1 benchmarks/sqlite-library/run.sh [N]
#                                            instructions per validation (valgrind: repeatable under load;
#                                            the run with N=0, the set-up alone, is subtracted; default N 10000)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$HERE/../../.build/checkouts/sqlite-nio/Sources/VaporCSQLite"
OUT="$(mktemp -d)"; trap 'rm -rf "$OUT"' EXIT
defines=$(sed -n 's/.*\.define("\(SQLITE_[A-Z0-9_]*\)", to: "\([^"]*\)").*/-D\1=\2/p; s/.*\.define("\(SQLITE_[A-Z0-9_]*\)")[,)].*/-D\1/p' \
    "$SRC/../../Package.swift" | grep -v API_ARMOR | tr '\n' ' ')
cc -O2 -DNO_MEMSTATUS -o "$OUT/system" "$HERE/bench.c" -lsqlite3
# shellcheck disable=SC2086
cc -O2 -DVENDORED $defines -I"$SRC/include" -o "$OUT/vendored" "$HERE/bench.c" "$SRC/sqlite_nio_sqlite3.c" -lpthread -lm
if [ "${CALLGRIND:-0}" = 1 ]; then
    N="${1:-10000}"
    count() { valgrind --tool=callgrind --callgrind-out-file="$OUT/cg" "$OUT/$1" "$OUT/db.sqlite" "$2" 2>&1 | sed -n 's/.*Collected : //p'; }
    for lib in system vendored; do
        full=$(count "$lib" "$N"); setup=$(count "$lib" 0)
        echo "$lib: $(( (full - setup) / N )) instructions per validation"
    done
else
    N="${1:-100000}"
    for _ in 1 2 3; do "$OUT/system" "$OUT/a.sqlite" "$N"; "$OUT/vendored" "$OUT/b.sqlite" "$N"; done
fi
