#!/usr/bin/env bash
# The server's CPU for one offline download of 14 days of 30-second steps (issue 17's target: at most 50 ms), measured
# on an optimized (-O) build of the code that does the work: Sources/LifelineCore/Offline/OfflineDataBuilder.swift,
# the core's HOTP, and the Kit's OfflineConstruction, linked into benchmarks/offline-builder/main.swift in a throwaway
# package (swift-crypto its only dependency). Why not the whole server in release: that build takes about 30 minutes
# on this machine; benchmarks/offline.sh measures the whole request on the debug server.
#   benchmarks/offline-builder.sh [RUNS]      (default 20; prints figures, asserts nothing)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${LIFELINE_BENCH_DIR:-$ROOT/.build-offline-bench}"
mkdir -p "$WORK/Sources/LifelineAuthenticatorKit" "$WORK/Sources/Bench"
ln -sf "$ROOT/Sources/LifelineAuthenticatorKit/Offline/OfflineConstruction.swift" "$WORK/Sources/LifelineAuthenticatorKit/"
for f in OTP/HOTP.swift OTP/OTPAlgorithm.swift Offline/OfflineDataBuilder.swift; do ln -sf "$ROOT/Sources/LifelineCore/$f" "$WORK/Sources/Bench/"; done
ln -sf "$ROOT/benchmarks/offline-builder/main.swift" "$WORK/Sources/Bench/main.swift"
# The RandomSource port alone (Clock.swift has more than the benchmark needs).
printf 'public protocol RandomSource: Sendable { func bytes(_ count: Int) -> [UInt8] }\n' >"$WORK/Sources/Bench/RandomSource.swift"
cat >"$WORK/Package.swift" <<'PKG'
// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "offline-builder-bench",
    dependencies: [.package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2")],
    targets: [
        .target(name: "LifelineAuthenticatorKit", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(name: "Bench", dependencies: ["LifelineAuthenticatorKit", .product(name: "Crypto", package: "swift-crypto")]),
    ]
)
PKG
(cd "$WORK" && swift build -c release --product Bench 2>&1 | tail -1 >&2)
"$WORK/.build/release/Bench" "${1:-20}"
