import ArgumentParser
import Foundation
import LifelineAuthenticatorKit

/// `bench-verify` (hidden): times ``OfflineVerifier`` on synthetic data built in memory (14 days of 30-s steps, the
/// default hidden bits), and the raw SHA-256 compression rate of the tag search; prints figures, asserts nothing.
/// benchmarks/offline-verify.sh runs it.
struct BenchVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-verify", abstract: "Time offline verification (benchmark).",
                                                    shouldDisplay: false)

    @Option(help: "Verifications to time.")
    var iterations = 5
    @Option(help: "Bits of the hidden value.")
    var hiddenBits = OfflineConstruction.hiddenBits
    @OptionGroup var options: AgentOptions

    func run() async throws {
        let period: Int64 = 30, steps = 14 * 86_400 / 30
        let now = try options.currentTime()
        let first = OfflineConstruction.step(unixTime: now, period: period) - 10
        let salt = (0..<OfflineConstruction.saltBytes).map { _ in UInt8.random(in: 0...255) }
        // Random tags except at the laptop's step (the right passcode there), so the search runs in full.
        var tags = (0..<(steps * OfflineConstruction.tagBytes)).map { _ in UInt8.random(in: 0...255) }
        let step = OfflineConstruction.step(unixTime: now, period: period)
        let tag = OfflineConstruction.tag(salt: salt, step: step, passcode: "12345678", hidden: UInt32.random(in: 0..<(1 << UInt32(hiddenBits))))
        let at = Int(step - first) * OfflineConstruction.tagBytes
        tags.replaceSubrange(at..<(at + OfflineConstruction.tagBytes), with: tag)
        let data = OfflineData(grantID: "bench", tenant: "bench", user: "bench", machine: "bench", period: Int(period), digits: 8, pin: false,
                               firstStep: first, steps: steps, expiresAt: (first + Int64(steps)) * period, salt: Data(salt).base64EncodedString(),
                               hiddenBits: hiddenBits, tags: Data(tags).base64EncodedString(), maxFailures: 5, emergency: nil)
        let entry = AgentUserState(data: data, refillToken: nil)

        var accepted = 0
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<iterations where OfflineVerifier.verify(entry, passcode: "12345678", now: now).0.isAccepted { accepted += 1 }
        }
        let perVerification = seconds(elapsed) / Double(max(iterations, 1))
        // One step's full search (every hidden value), as an attacker runs it per candidate passcode.
        let hashes = 1 << hiddenBits
        let raw = clock.measure {
            _ = OfflineConstruction.matches(expected: tag, salt: salt, step: step, passcode: "87654321", hiddenBits: hiddenBits)
        }
        print("offline verification: \(String(format: "%.1f", perVerification * 1000)) ms per verification (\(iterations) runs, \(accepted) accepted; 3 steps x 2^\(hiddenBits) SHA-256 compressions; 14 days of 30-s steps)")
        print("tag search: \(String(format: "%.3g", Double(hashes) / seconds(raw))) SHA-256 compressions/s (one core, this build)")
    }

    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}
