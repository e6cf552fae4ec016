import Foundation
import LifelineCore
import LifelineTestSupport
import Testing

/// Random keys and challenges cross-checked against `openssl enc -…-ecb -nopad` (an independent implementation):
/// 1500 for 3DES (a fifth of them two-key, K3 = K1) and 500 for each AES size. scripts/test.sh runs where
/// openssl is installed; a missing openssl fails these tests rather than skipping them.
@Suite struct CardOpenSSLOracleTests {
    enum OracleError: Error { case failed(String) }

    static func cipherName(_ a: CardKeyAlgorithm) -> String {
        switch a {
        case .tripleDES: "-des-ede3-ecb"
        case .aes128: "-aes-128-ecb"
        case .aes192: "-aes-192-ecb"
        case .aes256: "-aes-256-ecb"
        }
    }

    /// Encrypts each (key, block) with one openssl process per key; runs `parallel` processes at a time.
    static func openssl(_ algorithm: CardKeyAlgorithm, _ cases: [(key: [UInt8], block: [UInt8])], parallel: Int = 4) throws -> [[UInt8]] {
        var results: [[UInt8]] = []
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for start in stride(from: 0, to: cases.count, by: parallel) {
            var running: [(ChildProcess, String)] = []
            for (i, (key, block)) in cases[start..<min(start + parallel, cases.count)].enumerated() {
                let input = folder.path("in\(i)"), output = folder.path("out\(i)")
                guard FileManager.default.createFile(atPath: input, contents: Data(block)) else { throw OracleError.failed("cannot write \(input)") }
                let child = try ChildProcess.spawn(["openssl", "enc", cipherName(algorithm), "-nopad", "-K", Hex.encode(key)],
                                                   stdin: input, stdout: output)
                running.append((child, output))
            }
            for (child, output) in running {
                let status = child.wait()
                guard status == 0 else { throw OracleError.failed("openssl exited with \(status)") }
                results.append(FileManager.default.contents(atPath: output).map(Array.init) ?? [])
            }
        }
        return results
    }

    @Test(arguments: CardKeyAlgorithm.allCases)
    func responsesMatchOpenSSL(_ algorithm: CardKeyAlgorithm) async throws {
        var g = SystemRandomNumberGenerator()
        let count = algorithm == .tripleDES ? 1500 : 500
        let cases: [(key: [UInt8], block: [UInt8])] = (0..<count).map { i in
            var key = (0..<algorithm.keyLength).map { _ in UInt8.random(in: 0...255, using: &g) }
            if algorithm == .tripleDES && i % 5 == 0 { key.replaceSubrange(16..<24, with: key[0..<8]) } // two-key 3DES
            return (key, (0..<algorithm.challengeLength).map { _ in UInt8.random(in: 0...255, using: &g) })
        }
        // Why on a Dispatch thread: waiting for thousands of processes would block a thread of the concurrency pool
        // (two on the CI machine) and stall every other suite's timers meanwhile.
        let theirs = try await SlowHash.offloaded { try Self.openssl(algorithm, cases) }
        #expect(theirs.count == count)
        var mismatches = 0
        for (c, expected) in zip(cases, theirs) {
            let ours = try CardCipher.response(challenge: c.block, key: c.key, algorithm: algorithm)
            if ours != expected {
                mismatches += 1
                if mismatches <= 3 {
                    Issue.record("key \(Hex.encode(c.key)) challenge \(Hex.encode(c.block)): ours \(Hex.encode(ours)), openssl \(Hex.encode(expected))")
                }
            }
            if algorithm == .tripleDES { #expect(try TripleDES.decrypt(block: ours, key: c.key) == c.block) }
        }
        #expect(mismatches == 0)
    }
}
