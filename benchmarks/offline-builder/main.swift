// Times OfflineDataBuilder.build for one download of 14 days of 30-second steps (40,320 steps), built with -O by
// benchmarks/offline-builder.sh out of the project's own source files (the builder, HOTP, OfflineConstruction), so that
// a release figure does not need a release build of the whole server (about 30 minutes on this machine).
import Crypto
import Foundation
import LifelineAuthenticatorKit

/// The server's CSPRNG as LifelineApp's `SystemRandom` is (eight bytes per getrandom(2)): its cost is part of a download.
struct SystemRandomBench: RandomSource {
    func bytes(_ count: Int) -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            let word = g.next()
            withUnsafeBytes(of: word) { out.append(contentsOf: $0.prefix(count - out.count)) }
        }
        return out
    }
}

let steps = 14 * 86_400 / 30
let runs = Int(CommandLine.arguments.dropFirst().first ?? "20") ?? 20
let builder = OfflineDataBuilder(random: SystemRandomBench())
let secret = Array("12345678901234567890".utf8)
var cpu: [Double] = []
var size = 0
for i in 0..<runs {
    let t0 = clock_gettime_nsec_np_compat()
    let w = builder.build(secret: secret, algorithm: .sha1, digits: 6, drift: 0, pin: i % 2 == 0 ? nil : "4321", firstStep: 59_000_000, steps: steps)
    let t1 = clock_gettime_nsec_np_compat()
    cpu.append(Double(t1 - t0) / 1e6)
    size = w.tags.count
}
cpu.sort()
print(String(format: "offline builder, %d steps (14 days of 30 s), %d runs: CPU per build min %.1f ms, median %.1f ms, max %.1f ms; tags %d bytes (%d in base64)",
             steps, runs, cpu.first!, cpu[cpu.count / 2], cpu.last!, size, (size + 2) / 3 * 4))

/// The thread's CPU time in nanoseconds.
func clock_gettime_nsec_np_compat() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

// Where the time goes: the tokencodes (HMAC-SHA1 per step) and the tags (SHA-256 per step), each alone.
let keyed = OTPKeyedMAC(algorithm: .sha1, key: secret)
let tagger = OfflineConstruction.Tagger(salt: [UInt8](repeating: 7, count: 32))
var sink: UInt32 = 0
var parts: [(String, Double)] = []
do {
    let t0 = clock_gettime_nsec_np_compat()
    for i in 0..<steps { sink &+= keyed.truncated(counter: UInt64(59_000_000 + i)) }
    parts.append(("tokencodes (HMAC-SHA1)", Double(clock_gettime_nsec_np_compat() - t0) / 1e6))
    var out: [UInt8] = []
    out.reserveCapacity(steps * 5)
    let passcode: [UInt8] = Array("123456".utf8)
    let t1 = clock_gettime_nsec_np_compat()
    for i in 0..<steps { passcode.withUnsafeBytes { tagger.appendTag(step: Int64(59_000_000 + i), passcode: $0, hidden: UInt32(i), to: &out) } }
    parts.append(("tags (SHA-256)", Double(clock_gettime_nsec_np_compat() - t1) / 1e6))
    sink &+= UInt32(out.count)
}
print(parts.map { String(format: "%@ %.1f ms", $0.0, $0.1) }.joined(separator: "; ") + " (sink \(sink % 2))")
