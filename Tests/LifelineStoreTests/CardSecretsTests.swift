import Foundation
import LifelineApp
import LifelineCore
@testable import LifelineStore
import Testing

@Suite("Smart cards: import, keys at rest and key rotation")
struct CardSecretsTests {
    static func randomKey(_ algorithm: CardKeyAlgorithm) -> [UInt8] { randomSecret(algorithm.keyLength) }

    @Test("the SQLite files never hold a card key in any plain encoding, and the sealed key answers the challenge")
    func noPlaintextKeysOnDisk() async throws {
        let rt = try await TestRuntime.open(.sqlite)
        do {
            try await rt.seedAlice()
            let key = Self.randomKey(.tripleDES)
            let hex = Hex.encode(key)
            let (card, owner) = try await rt.runtime.admin.importCard(tenantName: "acme", username: "alice", serial: " sc-42 ",
                                                                       algorithm: .tripleDES, keyHex: hex.uppercased(), caller: .cli)
            #expect(card.serial == "SC-42")
            #expect(owner == "alice")

            // The stored key opens (with the card id as context) to the imported one and gives the cipher's answer.
            let tenant = try #require(try await rt.runtime.store.tenant(named: "acme"))
            let stored = try #require(try await rt.runtime.store.storedCard(tenantID: tenant.id, serial: "SC-42"))
            #expect(try await rt.runtime.vault.open(stored.key, context: StoredCard.sealContext(card.id)) == key)
            #expect(stored.key.keyID == (try await rt.runtime.vault.ring().currentID))
            let challenge = randomSecret(8)
            #expect(try await stored.response(to: challenge, vault: rt.runtime.vault)
                    == (try CardCipher.response(challenge: challenge, key: key, algorithm: .tripleDES)))
            // Sealed for this card only: another card's context does not open it.
            await #expect(throws: LifelineError.self) { try await rt.runtime.vault.open(stored.key, context: UUID().uuidString) }

            let events = try await rt.runtime.store.recentEvents(tenant: "acme", limit: 5)
            let event = try #require(events.first(where: { $0.record.event == "card.import" })?.record)
            #expect(event.subject == "alice")
            #expect(event.reason == "serial SC-42 3des")

            let dbPath = rt.dataDir + "/lifeline.sqlite"
            let needles: [(String, [UInt8])] = [
                ("raw bytes", key), ("hex", Array(hex.utf8)), ("HEX", Array(hex.uppercased().utf8)),
                ("base64", Array(Data(key).base64EncodedString().utf8)),
            ]
            let live = try SecretsAtRestTests.bytes(of: [dbPath, dbPath + "-wal"])
            #expect(live.contains(subsequence: Array("SC-42".utf8)), "sanity: the scan sees the card row")
            for (what, needle) in needles { #expect(!live.contains(subsequence: needle), "card key as \(what) found in the database files") }
            await rt.runtime.shutdown()
            let closed = try SecretsAtRestTests.bytes(of: [dbPath, dbPath + "-wal"])
            #expect(closed.contains(subsequence: Array("SC-42".utf8)))
            for (what, needle) in needles { #expect(!closed.contains(subsequence: needle), "card key as \(what) found after shutdown") }
        } catch {
            await rt.close()
            throw error
        }
        await rt.close()
    }

    @Test("rotation re-encrypts card keys with token seeds, and the cards still answer", arguments: Backend.available)
    func rotation(_ backend: Backend) async throws {
        let rt = try await TestRuntime.open(backend)
        do {
            try await rt.seedAlice()
            _ = try await rt.enroll(.totp, secret: randomSecret())
            var keys: [String: (CardKeyAlgorithm, [UInt8])] = [:]
            for (i, algorithm) in CardKeyAlgorithm.allCases.enumerated() {
                let key = Self.randomKey(algorithm)
                keys["C\(i)"] = (algorithm, key)
                _ = try await rt.runtime.admin.importCard(tenantName: "acme", username: "alice", serial: "C\(i)", algorithm: algorithm,
                                                          keyHex: Hex.encode(key), caller: .cli)
            }
            let oldKey = try await rt.runtime.vault.ring().currentID
            let before = try await rt.runtime.store.sealedCardKeys()
            #expect(before.count == 4 && before.allSatisfy { $0.key.keyID == oldKey })

            let newKey = try #require(rt.runtime.fileVault).addKey(random: SystemRandom())
            let rotation = KeyRotation(storage: rt.runtime.store, vault: rt.runtime.vault)
            #expect(try await rotation.reencryptAll() == 5)
            #expect(try await rotation.reencryptAll() == 0)
            let after = try await rt.runtime.store.sealedCardKeys()
            #expect(after.count == 4 && after.allSatisfy { $0.key.keyID == newKey })
            #expect(Set(after.map(\.key.text)).isDisjoint(with: before.map(\.key.text)))

            let tenant = try #require(try await rt.runtime.store.tenant(named: "acme"))
            for (serial, (algorithm, key)) in keys {
                let stored = try #require(try await rt.runtime.store.storedCard(tenantID: tenant.id, serial: serial))
                let challenge = randomSecret(algorithm.challengeLength)
                #expect(try await stored.response(to: challenge, vault: rt.runtime.vault)
                        == (try CardCipher.response(challenge: challenge, key: key, algorithm: algorithm)))
            }
        } catch {
            await rt.close()
            throw error
        }
        await rt.close()
    }

    @Test("importCard refuses bad serials, bad and default keys, unknown users and duplicate serials, storing nothing")
    func importRefusals() async throws {
        let rt = try await TestRuntime.open(.sqlite)
        do {
            try await rt.seedAlice()
            let admin = rt.runtime.admin
            let good = Hex.encode(Self.randomKey(.aes128))
            func code(_ serial: String, _ algorithm: CardKeyAlgorithm, _ key: String, user: String = "alice") async -> LifelineError.Code? {
                do {
                    _ = try await admin.importCard(tenantName: "acme", username: user, serial: serial, algorithm: algorithm, keyHex: key, caller: .cli)
                    return nil
                } catch let error as LifelineError { return error.code } catch { return .internalError }
            }
            #expect(await code("", .aes128, good) == .invalidRequest)
            #expect(await code("SC 1", .aes128, good) == .invalidRequest)
            #expect(await code(String(repeating: "A", count: 65), .aes128, good) == .invalidRequest)
            #expect(await code("SC-1", .aes128, String(repeating: "0", count: 32)) == .invalidRequest)
            #expect(await code("SC-1", .tripleDES, "010203040506070801020304050607080102030405060708") == .invalidRequest)
            #expect(await code("SC-1", .aes256, good) == .invalidRequest)
            #expect(await code("SC-1", .aes128, good, user: "nobody") == .notFound)
            let tenant = try #require(try await rt.runtime.store.tenant(named: "acme"))
            #expect(try await rt.runtime.store.cards(tenantID: tenant.id, userID: nil) == [])
            #expect(await code("SC-1", .aes128, good) == nil)
            #expect(await code("sc-1", .aes192, Hex.encode(Self.randomKey(.aes192))) == .conflict)
            #expect(try await rt.runtime.store.cards(tenantID: tenant.id, userID: nil).count == 1)
        } catch {
            await rt.close()
            throw error
        }
        await rt.close()
    }

    @Test("a CSV import checks every line first and imports nothing when one is bad, listing each bad line")
    func csvImport() async throws {
        let rt = try await TestRuntime.open(.sqlite)
        do {
            try await rt.seedAlice()
            let admin = rt.runtime.admin
            _ = try await admin.createUser(tenantName: "acme", AdminService.NewUser(username: "bob"), caller: .cli)
            _ = try await admin.importCard(tenantName: "acme", username: "bob", serial: "TAKEN", algorithm: .aes128,
                                           keyHex: Hex.encode(Self.randomKey(.aes128)), caller: .cli)
            let k3 = Hex.encode(Self.randomKey(.tripleDES)), k16 = Hex.encode(Self.randomKey(.aes128))
            let bad = """
                username,serial,algorithm,key
                alice,A-1,3des,\(k3)
                bob,b-2,aes128,\(k16)
                nobody,N-1,aes128,\(k16)
                alice,a-1,aes128,\(k16)
                alice,X-1,des,\(k16)
                alice,X-2,3des,010203040506070801020304050607080102030405060708
                alice,taken,aes128,\(k16)
                alice,X 3,aes128,\(k16)
                alice,X-4,aes256,\(k16)
                """
            let error = try await #require(throws: LifelineError.self) {
                try await admin.importCards(tenantName: "acme", try CardImportLine.parseCSV(bad), caller: .cli)
            }
            #expect(error.code == .invalidRequest)
            let lines = error.message.split(separator: "\n").map(String.init)
            #expect(lines.map { $0.prefix(while: { $0 != ":" }) } == ["line 4", "line 5", "line 6", "line 7", "line 8", "line 9", "line 10"])
            #expect(lines[0].contains("no user 'nobody'"))
            #expect(lines[1].contains("also on line 2"))
            #expect(lines[2].contains("algorithm must be one of 3des, aes128, aes192, aes256"))
            #expect(lines[3].contains("default management key"))
            #expect(lines[4].contains("already registered"))
            #expect(!error.message.contains(k3) && !error.message.contains(k16), "keys must never be echoed")
            let tenant = try #require(try await rt.runtime.store.tenant(named: "acme"))
            #expect(try await rt.runtime.store.cards(tenantID: tenant.id, userID: nil).map(\.serial) == ["TAKEN"])

            let good = "username,serial,algorithm,key\nalice,A-1,3des,\(k3)\nbob,b-2,aes128,\(k16)\n"
            let imported = try await admin.importCards(tenantName: "acme", try CardImportLine.parseCSV(good), caller: .cli)
            #expect(imported.map(\.serial) == ["A-1", "B-2"])
            #expect(try await rt.runtime.store.cards(tenantID: tenant.id, userID: nil).map(\.serial) == ["A-1", "B-2", "TAKEN"])
            let (_, mine, names) = try await admin.listCards(tenantName: "acme", username: "alice", caller: .cli)
            #expect(mine.map(\.serial) == ["A-1"])
            #expect(names[mine[0].userID] == "alice")
        } catch {
            await rt.close()
            throw error
        }
        await rt.close()
    }
}
