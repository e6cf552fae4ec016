import Foundation
import LifelineApp
import LifelineCore
@testable import LifelineStore
import Synchronization
import Testing

/// A clock the test sets, so codes are computed for exactly the instant the service checks.
final class TestClock: LifelineClock {
    private let current: Mutex<Date>
    init(_ start: Date) { current = Mutex(start) }
    func now() -> Date { current.withLock { $0 } }
    func advance(seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

extension LifelineRuntime {
    /// Closes the directories and ends the store's `run()` (started by ``SQLStore/start()``), as `serve`'s shutdown does.
    func shutdown() async {
        await closeDirectories()
        await store.shutdown()
    }
}

/// A runtime (the composition root) on a fresh temp data folder and, for PostgreSQL, a fresh database.
struct TestRuntime {
    let runtime: LifelineRuntime
    let clock: TestClock
    let folder: String
    let dataDir: String
    let database: TestDatabase?

    static func open(_ backend: Backend) async throws -> TestRuntime {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-rt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let database = backend == .postgres ? try await TestDatabase.create(.postgres) : nil
        var config = LifelineConfiguration()
        config.dataDir = folder + "/data"
        config.databaseURL = database?.postgresURL
        // Why longer than the default: dozens of suites create databases at once on a loaded test machine.
        config.databaseConnectTimeout = 60
        // The middle of a 30 s step, so a code computed now is for the step the service sees.
        let clock = TestClock(Date(timeIntervalSince1970: 1_750_000_005))
        do {
            let store = try await LifelineRuntime.openStore(config, logger: quietLogger)
            try await store.start()
            let runtime: LifelineRuntime
            do { runtime = try await LifelineRuntime.open(config, store: store, logger: quietLogger, clock: clock) } catch {
                await store.shutdown()
                throw error
            }
            return TestRuntime(runtime: runtime, clock: clock, folder: folder, dataDir: config.dataDir, database: database)
        } catch {
            await database?.drop()
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
    }

    func close() async {
        await runtime.shutdown()
        await database?.drop()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Creates tenant `acme` and user `alice` through the admin service.
    func seedAlice() async throws {
        _ = try await runtime.admin.createTenant(name: "acme", displayName: "ACME", caller: .cli)
        _ = try await runtime.admin.createUser(tenantName: "acme", AdminService.NewUser(username: "alice"), caller: .cli)
    }

    func enroll(_ type: TokenType, secret: [UInt8]) async throws -> Enrollment {
        var request = EnrollmentRequest(type: type)
        request.secretBase32 = Base32.encode(secret)
        request.label = "test \(type.rawValue)"
        return try await runtime.admin.enrollToken(tenantName: "acme", username: "alice", request, caller: .cli)
    }

    /// The 6-digit SHA-1 TOTP code of `secret` at the runtime clock's current time.
    func totpCode(_ secret: [UInt8]) -> String {
        let step = HOTP.timeStep(unixTime: Int64(runtime.clock.now().timeIntervalSince1970), period: 30)
        return HOTP.code(secret: secret, counter: UInt64(step), digits: 6, algorithm: .sha1)
    }

    func validate(_ code: String) async throws -> Bool {
        try await runtime.validation.validate(tenantName: "acme", username: "alice", code: code,
                                              caller: Caller(actor: "test", scope: .validate))
    }
}

func randomSecret(_ count: Int = 20) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255) } }

func permissions(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return try #require(attributes[.posixPermissions] as? NSNumber).intValue & 0o777
}

@Suite("Secrets at rest and key rotation")
struct SecretsAtRestTests {
    @Test("the SQLite files never hold a token secret in any plain encoding; keys.json is 0600")
    func noPlaintextSecretsOnDisk() async throws {
        let rt = try await TestRuntime.open(.sqlite)
        do {
            try await rt.seedAlice()
            let secret = randomSecret()
            let base32 = Base32.encode(secret)
            let enrollment = try await rt.enroll(.totp, secret: secret)
            #expect(enrollment.otpauthURI.contains("secret=\(base32)&"))
            #expect(try await rt.validate(rt.totpCode(secret)))

            let dbPath = rt.dataDir + "/lifeline.sqlite"
            let hex = secret.map { String(format: "%02x", $0) }.joined()
            let needles: [(String, [UInt8])] = [
                ("raw bytes", secret),
                ("base32", Array(base32.utf8)), ("base32 lower", Array(base32.lowercased().utf8)),
                ("hex", Array(hex.utf8)), ("HEX", Array(hex.uppercased().utf8)),
                ("base64", Array(Data(secret).base64EncodedString().utf8)),
            ]
            let tokenID = Array(enrollment.token.id.uuidString.lowercased().utf8)

            // While the server runs: the main file and the write-ahead log.
            #expect(FileManager.default.fileExists(atPath: dbPath + "-wal"))
            let live = try Self.bytes(of: [dbPath, dbPath + "-wal"])
            #expect(live.contains(subsequence: tokenID), "sanity: the scan sees the token row")
            for (what, needle) in needles { #expect(!live.contains(subsequence: needle), "secret as \(what) found in the database files") }

            // The stored form is the sealed one, under the vault's current key.
            let sealed = try await rt.runtime.store.sealedSecrets()
            let currentKey = try await rt.runtime.vault.ring().currentID
            #expect(sealed.count == 1)
            #expect(sealed.first?.secret.keyID == currentKey)

            let keyFile = rt.dataDir + "/keys.json"
            #expect(FileManager.default.fileExists(atPath: keyFile))
            #expect(try permissions(keyFile) == 0o600)
            #expect(try permissions(rt.dataDir) == 0o700)

            // After shutdown (WAL checkpointed into the main file) still nothing.
            await rt.runtime.shutdown()
            let closed = try Self.bytes(of: [dbPath, dbPath + "-wal"])
            #expect(closed.contains(subsequence: tokenID))
            for (what, needle) in needles { #expect(!closed.contains(subsequence: needle), "secret as \(what) found after shutdown") }
        } catch {
            await rt.close()
            throw error
        }
        await rt.close()
    }

    @Test("rotation re-encrypts every secret under the new key and validation still accepts", arguments: Backend.available)
    func keyRotation(_ backend: Backend) async throws {
        let rt = try await TestRuntime.open(backend)
        do {
            try await rt.seedAlice()
            let totpSecret = randomSecret()
            let hotpSecret = randomSecret(32)
            let totp = try await rt.enroll(.totp, secret: totpSecret)
            let hotp = try await rt.enroll(.hotp, secret: hotpSecret)
            #expect(try await rt.validate(rt.totpCode(totpSecret)))

            let fileVault = try #require(rt.runtime.fileVault)
            let oldKey = try await rt.runtime.vault.ring().currentID
            let before = try await rt.runtime.store.sealedSecrets()
            #expect(before.count == 2)
            #expect(before.allSatisfy { $0.secret.keyID == oldKey })

            let newKey = try fileVault.addKey(random: SystemRandom())
            #expect(newKey != oldKey)
            let rotation = KeyRotation(storage: rt.runtime.store, vault: rt.runtime.vault)
            #expect(try await rotation.reencryptAll() == 2)
            let after = try await rt.runtime.store.sealedSecrets()
            #expect(after.count == 2)
            #expect(after.allSatisfy { $0.secret.keyID == newKey })
            #expect(Set(after.map(\.secret.text)).isDisjoint(with: before.map(\.secret.text)))
            #expect(try await rotation.reencryptAll() == 0)

            // The key file keeps the old key (for decryption), stays 0600, and a fresh reader opens every secret.
            let keyFile = rt.dataDir + "/keys.json"
            #expect(try permissions(keyFile) == 0o600)
            let reread = try await FileKeyVault(path: keyFile, random: SystemRandom()).refreshed()
            #expect(reread.currentID == newKey)
            #expect(Set(reread.keyIDs) == [oldKey, newKey])
            let plain = Dictionary(uniqueKeysWithValues: try after.map { ($0.id, try reread.open($0.secret, context: $0.id.uuidString)) })
            #expect(plain == [totp.token.id: totpSecret, hotp.token.id: hotpSecret])

            // Validation after rotation: the next TOTP step, then the first HOTP code; a wrong code is rejected.
            rt.clock.advance(seconds: 30)
            #expect(try await rt.validate(rt.totpCode(totpSecret)))
            #expect(try await rt.validate(HOTP.code(secret: hotpSecret, counter: 0, digits: 6, algorithm: .sha1)))
            rt.clock.advance(seconds: 30)
            let step = HOTP.timeStep(unixTime: Int64(rt.clock.now().timeIntervalSince1970), period: 30)
            let valid = Set((step - 1...step + 1).map { HOTP.code(secret: totpSecret, counter: UInt64($0), digits: 6, algorithm: .sha1) }
                + (0...120).map { HOTP.code(secret: hotpSecret, counter: UInt64($0), digits: 6, algorithm: .sha1) })
            let wrong = try #require((0..<1000).map { String(format: "%06d", $0 * 997) }.first { !valid.contains($0) })
            #expect(try await rt.validate(wrong) == false)
        } catch {
            await rt.close()
            throw error
        }
        await rt.close()
    }

    static func bytes(of paths: [String]) throws -> [UInt8] {
        var all: [UInt8] = []
        for p in paths where FileManager.default.fileExists(atPath: p) {
            all += Array(try Data(contentsOf: URL(fileURLWithPath: p)))
        }
        return all
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        let first = needle[0]
        var i = 0
        let last = count - needle.count
        while i <= last {
            if self[i] == first, self[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
