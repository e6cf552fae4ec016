import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import LifelineTestSupport
import Testing

/// `openssl enc -<cipher>-ecb -nopad` as an independent oracle of a card's response.
func opensslECB(_ cipher: String, keyHex: String, block: [UInt8]) throws -> String {
    let (status, data) = try ChildProcess.run(["openssl", "enc", "-\(cipher)-ecb", "-nopad", "-K", keyHex], input: block)
    guard status == 0 else { throw ChildProcessError(description: "openssl exited with \(status)") }
    return data.map { String(format: "%02X", $0) }.joined()
}

func hexBytes(_ s: String) -> [UInt8] {
    let h = Array(s.filter(\.isHexDigit))
    return stride(from: 0, to: h.count, by: 2).map { UInt8(String(h[$0...$0 + 1]), radix: 16)! }
}

@Suite("Card unblock and emergency code actions (API)")
struct CardAndCodeActionTests {
    static let key3DES = "0123456789ABCDEFFEDCBA98765432100011223344556677"

    @Test("card unblock: format errors first, someone else's card looks unknown, the response matches openssl, limits")
    func cardUnblock() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            var bob = AdminService.NewUser(username: "bob")
            bob.phones = ["+420608555111"]
            _ = try await fx.runtime.admin.createUser(tenantName: "demo", bob, caller: fx.caller)
            _ = try await fx.runtime.admin.importCard(tenantName: "demo", username: "bob", serial: "BOB-0001", algorithm: .aes128,
                                                      keyHex: "2B7E151628AED2A6ABF7158809CF4F3C", caller: fx.caller)
            try await fx.app().test(.router) { client in
                var flow = try await client.verifiedFlow(fx)
                #expect(availability(flow)["card-unblock"] == false)
                _ = try await fx.runtime.admin.importCard(tenantName: "demo", username: "alice", serial: "ALICE-0001", algorithm: .tripleDES,
                                                          keyHex: Self.key3DES, caller: fx.caller)
                let id = try #require(flow["id"] as? String)
                flow = try jsonObject(try await client.send(.get, "/api/v1/recovery/flows/\(id)"))
                #expect(availability(flow)["card-unblock"] == true)

                // A mistyped decimal group is named, before any lookup; nothing is used or counted.
                let challenge: [UInt8] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]
                let decimal = ChallengeCode.format(challenge, as: .decimal)
                var groups = decimal.split(separator: " ").map(String.init)
                let g2 = Array(groups[1]); groups[1] = String(g2[0] == "9" ? "0" : "9") + String(g2.dropFirst())
                var r = try await client.act(flow, "card-unblock", ["serial": "ALICE-0001", "challenge": groups.joined(separator: " ")])
                try expectError(r, .badRequest, "invalid_request")
                #expect(problemIDs(r) == ["card.challenge_group"])
                #expect(((try jsonObject(r)["problems"] as? [[String: Any]])?.first?["text"] as? String)?.contains("Group 2") == true)
                r = try await client.act(flow, "card-unblock", ["serial": "ALICE-0001", "challenge": "0011 2233 4455"])
                #expect(problemIDs(r) == ["card.challenge_length"])
                r = try await client.act(flow, "card-unblock", ["serial": "", "challenge": "0011223344556677"])
                #expect(problemIDs(r) == ["card.serial_required"])
                // Bob's card and a serial nobody has get the same answer.
                let unknown = try await client.act(flow, "card-unblock", ["serial": "NOBODY-1", "challenge": "0011223344556677"])
                let others = try await client.act(flow, "card-unblock", ["serial": "BOB-0001", "challenge": "0011223344556677"])
                #expect(unknown.status == .badRequest && others.status == .badRequest)
                #expect(String(buffer: unknown.body) == String(buffer: others.body))
                #expect(problemIDs(unknown) == ["card.unknown"])
                // A 16-byte challenge for a 3DES card: the length this card needs.
                r = try await client.act(flow, "card-unblock", ["serial": "ALICE-0001", "challenge": String(repeating: "AB", count: 16)])
                #expect(problemIDs(r) == ["card.challenge_length"])

                let ok = try await client.act(flow, "card-unblock", ["serial": "alice-0001", "challenge": "0011 2233 4455 6677"])
                #expect(ok.status == .ok, "\(String(buffer: ok.body))")
                let out = try jsonObject(ok)
                #expect(out["result"] as? String == "card_response" && out["serial"] as? String == "ALICE-0001" && out["format"] as? String == "hex")
                let expected = try opensslECB("des-ede3", keyHex: Self.key3DES, block: challenge)
                #expect((out["cryptogram"] as? String)?.replacingOccurrences(of: " ", with: "") == expected)
                // The answer's exact bytes (sorted keys, nothing else): outside clients parse them.
                let cryptogram = try #require(out["cryptogram"] as? String)
                #expect(String(buffer: ok.body) == #"{"cryptogram":"\#(cryptogram)","format":"hex","result":"card_response","serial":"ALICE-0001"}"#)
                try expectError(try await client.act(flow, "card-unblock", ["serial": "ALICE-0001", "challenge": "0011223344556677"]), .conflict, "action_unavailable")

                // Decimal in, decimal out (with check digits), and the per-card limit of 5 a day.
                var answered = 1
                while answered < CardUnblockLimit.perCardPerDay {
                    let next = try await client.verifiedFlow(fx)
                    let d = try await client.act(next, "card-unblock", ["serial": "ALICE-0001", "challenge": decimal])
                    #expect(d.status == .ok)
                    let body = try jsonObject(d)
                    #expect(body["format"] as? String == "decimal")
                    let parsed = try ChallengeCode.parse(try #require(body["cryptogram"] as? String), length: 8).get()
                    #expect(parsed.bytes.map { String(format: "%02X", $0) }.joined() == expected)
                    answered += 1
                }
                let limited = try await client.act(try await client.verifiedFlow(fx), "card-unblock", ["serial": "ALICE-0001", "challenge": decimal])
                try expectError(limited, .tooManyRequests, "rate_limited")
                #expect(limited.headers[.retryAfter] != nil)
            }
            let events = try await fx.runtime.store.recentEvents(tenant: "demo", limit: 200).map(\.record).filter { $0.event == "recovery.card-unblock" }
            let successes = events.filter { $0.outcome == "success" }.count
            #expect(successes == CardUnblockLimit.perCardPerDay)
            #expect(events.contains { $0.outcome == "refused" && $0.reason.contains("BOB-0001") })
        }
    }

    @Test("emergency code: shown once, accepted by /validate in place of the OTP, notified")
    func emergencyCode() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                let flow = try await client.verifiedFlow(fx)
                #expect(availability(flow)["emergency-code"] == true)
                let r = try await client.act(flow, "emergency-code")
                #expect(r.status == .ok)
                let body = try jsonObject(r)
                #expect(body["result"] as? String == "emergency_code")
                let code = try #require(body["code"] as? String)
                #expect(code.filter(\.isNumber).count == 10)
                #expect(body["max_uses"] as? Int == 5 && body["expires_at"] is String)
                #expect(Set(body.keys) == ["result", "code", "expires_at", "max_uses"])
                #expect(String(buffer: r.body).hasPrefix(#"{"code":""#) && String(buffer: r.body).hasSuffix(#","max_uses":5,"result":"emergency_code"}"#))
                try expectError(try await client.act(flow, "emergency-code"), .conflict, "action_unavailable")
                #expect(try await client.validate(code.filter(\.isNumber), tenant: "demo", key: fx.validateKey) == "accept")
                // A key rotation does not end it: its HMAC key is derived from the key it was issued under.
                let vault = try #require(fx.runtime.fileVault)
                let newKey = try vault.addKey(random: fx.runtime.random)
                #expect(try await vault.refreshed().currentID == newKey)
                #expect(try await client.validate(code, tenant: "demo", key: fx.validateKey) == "accept")
                #expect(try await client.validate("0000000000" == code.filter(\.isNumber) ? "1111111111" : "0000000000", tenant: "demo", key: fx.validateKey) == "reject")
            }
            let mails = try await fx.runtime.store.recentMessages(limit: 50).filter { $0.recipient == "alice@demo.example" }
            var texts: [String] = []
            for m in mails { texts.append(String(decoding: try await fx.runtime.vault.open(try #require(m.body), context: m.sealContext), as: UTF8.self)) }
            #expect(texts.contains { $0.contains("emergency access code for your account was just issued") })
        }
    }
}
