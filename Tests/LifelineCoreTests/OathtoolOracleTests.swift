import Foundation
import LifelineCore
import LifelineTestSupport
import Testing

/// Random secrets cross-checked against `oathtool` (an independent implementation). scripts/test.sh installs it;
/// a missing oathtool fails these tests rather than skipping them.
@Suite struct OathtoolOracleTests {
    static func oathtool(_ args: [String]) throws -> String {
        let (status, data) = try ChildProcess.run(["oathtool"] + args)
        guard status == 0 else { throw OracleError.failed(args) }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    enum OracleError: Error { case failed([String]) }

    static func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    @Test(arguments: [OTPAlgorithm.sha1, .sha256, .sha512])
    func totpMatchesOathtool(algorithm: OTPAlgorithm) throws {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<8 {
            let secret = (0..<(algorithm == .sha1 ? 20 : algorithm == .sha256 ? 32 : 64)).map { _ in UInt8.random(in: 0...255, using: &g) }
            let time = Int64.random(in: 0...4_000_000_000, using: &g)
            let digits = Int.random(in: 6...8, using: &g)
            let period = [30, 60].randomElement(using: &g)!
            let ours = HOTP.code(secret: secret, counter: UInt64(HOTP.timeStep(unixTime: time, period: period)), digits: digits, algorithm: algorithm)
            let theirs = try Self.oathtool(["--totp=\(algorithm.rawValue)", "-d", "\(digits)", "-s", "\(period)s", "--now", "@\(time)", Self.hex(secret)])
            #expect(ours == theirs, "secret \(Self.hex(secret)) time \(time) digits \(digits) period \(period)")
        }
    }

    @Test func hotpMatchesOathtool() throws {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<10 {
            let secret = (0..<20).map { _ in UInt8.random(in: 0...255, using: &g) }
            let counter = UInt64.random(in: 0...1_000_000, using: &g)
            let digits = Int.random(in: 6...8, using: &g)
            let ours = HOTP.code(secret: secret, counter: counter, digits: digits, algorithm: .sha1)
            let theirs = try Self.oathtool(["--hotp", "-c", "\(counter)", "-d", "\(digits)", Self.hex(secret)])
            #expect(ours == theirs, "secret \(Self.hex(secret)) counter \(counter)")
        }
    }

    @Test func base32SecretMatchesOathtool() throws {
        var g = SystemRandomNumberGenerator()
        let secret = (0..<20).map { _ in UInt8.random(in: 0...255, using: &g) }
        let b32 = Base32.encode(secret)
        #expect(Base32.decode(b32) == secret)
        let ours = HOTP.code(secret: secret, counter: UInt64(HOTP.timeStep(unixTime: 1_700_000_000, period: 30)), digits: 6, algorithm: .sha1)
        #expect(try Self.oathtool(["--totp", "-b", b32, "--now", "@1700000000"]) == ours)
    }
}
