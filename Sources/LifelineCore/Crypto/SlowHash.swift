import CryptoExtras
import Foundation

/// Salted scrypt hashes of low-entropy secrets (security answers, built-in directory passwords), in the form
/// `scrypt$<logN>$<r>$<p>$<salt>$<hash>` (base64).
public enum SlowHash {
    /// scrypt cost: N = 2^14, r = 8, p = 1 (16 MiB). Why slow: these secrets have little entropy, so a stolen
    /// database must cost an attacker real work per guess (OWASP password storage guidance).
    static let logN = 14, r = 8, p = 1

    /// The hash of `secret` (already normalized by the caller) with a fresh 16-byte salt.
    public static func hash(_ secret: String, random: any RandomSource) throws -> String {
        let salt = random.bytes(16)
        let h = try derive(secret, salt: salt, logN: logN, r: r, p: p)
        return "scrypt$\(logN)$\(r)$\(p)$\(Data(salt).base64EncodedString())$\(Data(h).base64EncodedString())"
    }

    /// Whether `secret` matches `stored`, compared in constant time. A malformed hash never matches.
    public static func verify(_ secret: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 6, parts[0] == "scrypt", let n = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
              (10...20).contains(n), (1...16).contains(r), (1...4).contains(p),
              let salt = Data(base64Encoded: String(parts[4])), let expected = Data(base64Encoded: String(parts[5])),
              let got = try? derive(secret, salt: Array(salt), logN: n, r: r, p: p) else { return false }
        return ConstantTime.equals(got, Array(expected))
    }

    /// The same work as ``verify(_:against:)`` on a fixed hash (for decoys: equal timing), always false.
    public static func decoyVerify(_ secret: String) -> Bool {
        _ = try? derive(secret, salt: Array(repeating: 0, count: 16), logN: logN, r: r, p: p)
        return false
    }

    /// Runs slow hashing on `pool` (``SlowHashPool/shared`` unless given), off the Swift concurrency pool. Why off it:
    /// that pool has one thread per core, so tens of milliseconds of scrypt on it would stall every other request of
    /// the server meanwhile. Why a fixed pool and not Dispatch's global queue: Dispatch adds threads for blocking work,
    /// so anonymous answer submissions could take every core and hundreds of MiB (issue 13 item 4). A `refusable`
    /// job throws `unavailable` when the pool's queue is full.
    public static func offloaded<T: Sendable>(pool: SlowHashPool = .shared, refusable: Bool = false,
                                              _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.run(refusable: refusable, work)
    }

    private static func derive(_ s: String, salt: [UInt8], logN: Int, r: Int, p: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(from: Array(s.utf8), salt: salt, outputByteCount: 32, rounds: 1 << logN, blockSize: r, parallelism: p)
        return key.withUnsafeBytes { Array($0) }
    }
}
