import Foundation
import LifelineCore
import LifelineTestStore
import Testing

/// The lost-token temporary replacement (docs/lost-token.md) through AdminService and ValidationService on the
/// in-memory store: the mark, the code with and without the token's PIN, its limits, its expiry, and seed 000's
/// deactivation rules (the token enabled again, a new token enrolled).
@Suite("Lost token (in-memory store)")
struct LostTokenServiceTests {
    static let pin = "7391"

    func validate(_ h: ServiceHarness, _ code: String, pin: String? = nil) async throws -> Bool {
        try await h.validation.validate(tenantName: "demo", username: "alice", code: code, pin: pin, caller: .validateKey)
    }

    func mark(_ h: ServiceHarness, _ id: UUID) async throws -> IssuedLostTokenCode {
        try await h.admin.markTokenLost(tenantName: "demo", tokenID: id, caller: .cli)
    }

    func record(_ h: ServiceHarness, _ id: UUID) async throws -> LostToken? {
        try await h.admin.lostToken(tenantName: "demo", tokenID: id, caller: .cli)
    }

    func lastReason(_ h: ServiceHarness) -> String { h.store.auditEvents().last?.record.reason ?? "" }

    @Test("marking disables the token, makes a 12-symbol code for 7 days, audits token.lost and notifies the user")
    func marks() async throws {
        let h = try ServiceHarness()
        let id = try await h.seed()
        let issued = try await mark(h, id)
        #expect(issued.code.count == LostTokenFormat.codeLength)
        #expect(issued.code.allSatisfy { EmergencyCodeFormat.alphanumericCharacters.contains($0) })
        #expect(issued.expiresAt == ServiceHarness.start.addingTimeInterval(7 * 86_400))
        #expect(!issued.withPIN)
        #expect(try await h.token(id).state == .disabled)
        let stored = try #require(try await record(h, id))
        #expect(stored.codeHash != issued.code && !stored.codeHash.contains(issued.code), "only the HMAC is kept")
        let audit = try #require(h.store.auditEvents().last?.record)
        #expect(audit.event == "token.lost" && audit.outcome == "success" && !audit.reason.contains(issued.code))
        // One notice per verified contact (the seeded phone and email), never with the code.
        let notices = h.store.outboxMessages()
        #expect(Set(notices.map(\.recipient)) == ["+420777123789", "alice@demo.example"])
        for m in notices {
            let text = String(decoding: try await h.vault.open(try #require(m.body), context: m.sealContext), as: UTF8.self)
            #expect(text.contains("lost") && !text.contains(issued.code))
        }
    }

    @Test("the code alone is accepted many times for a token without a PIN; the token's OTP is not (disabled)")
    func validatesWithoutPIN() async throws {
        let h = try ServiceHarness()
        let id = try await h.seed()
        let issued = try await mark(h, id)
        #expect(try await !validate(h, h.totp()))
        for _ in 0..<3 { #expect(try await validate(h, issued.code)) }
        #expect(try await validate(h, issued.code.lowercased()), "any case")
        #expect(h.store.auditEvents().last?.record.reason == "lost token \(id.uuidString.lowercased())")
        #expect(try await !validate(h, issued.code, pin: Self.pin), "no PIN for a token without one")
    }

    @Test("a token with a PIN: PIN ‖ code or the PIN apart; the code alone is refused uncounted; a wrong PIN counts, 3 end it")
    func validatesWithPIN() async throws {
        let h = try ServiceHarness()
        let id = try await h.seed()
        _ = try await h.admin.setTokenPIN(tenantName: "demo", id: id, pin: Self.pin, caller: .cli)
        let issued = try await mark(h, id)
        #expect(issued.withPIN)
        #expect(try await validate(h, Self.pin + issued.code))
        #expect(try await validate(h, issued.code, pin: Self.pin))
        #expect(try await !validate(h, issued.code))
        let counts = try await record(h, id)
        #expect(counts?.pinFailCount == 0 && counts?.failCount == 0)
        #expect(try await !validate(h, "1357" + issued.code))
        #expect(try await record(h, id)?.pinFailCount == 1)
        // A success clears the count; then three consecutive wrong PINs end the code.
        #expect(try await validate(h, Self.pin + issued.code))
        #expect(try await record(h, id)?.pinFailCount == 0)
        for wrong in ["1357", "8642", "9173"] { #expect(try await !validate(h, wrong + issued.code)) }
        let ended = try #require(try await record(h, id))
        #expect(ended.endedReason == LostTokenRules.Trigger.tooManyWrongPINs.rawValue)
        #expect(try await !validate(h, Self.pin + issued.code))
        #expect(h.store.auditEvents().contains { $0.record.event == "token.lost_end" })
    }

    @Test("wrong codes of its shape count on the code: the 10th ends it")
    func failureLimit() async throws {
        let h = try ServiceHarness()
        let id = try await h.seed()
        let issued = try await mark(h, id)
        let wrong = String(issued.code.reversed()) == issued.code ? "ABCDEFGHJKMN" : String(issued.code.reversed())
        for n in 1..<LostTokenFormat.maxFailures {
            #expect(try await !validate(h, wrong))
            #expect(try await record(h, id)?.failCount == n)
        }
        #expect(try await validate(h, issued.code), "still live after 9 wrong codes")
        #expect(try await record(h, id)?.failCount == 0, "a success clears the count")
        for _ in 0..<LostTokenFormat.maxFailures { #expect(try await !validate(h, wrong)) }
        #expect(try await record(h, id)?.endedReason == LostTokenRules.Trigger.tooManyFailures.rawValue)
        #expect(try await !validate(h, issued.code))
    }

    @Test("the code expires after the tenant's lost_token_days")
    func expires() async throws {
        let h = try ServiceHarness()
        let id = try await h.seed()
        let issued = try await mark(h, id)
        h.clock.advance(by: 7 * 86_400 - 1)
        #expect(try await validate(h, issued.code))
        h.clock.advance(by: 1)
        #expect(try await !validate(h, issued.code))
    }

    @Test("enabling the token again ('found') ends the code in the same change, audited token.lost_end; the OTP works again")
    func endsOnEnable() async throws {
        let h = try ServiceHarness()
        let id = try await h.seed()
        let issued = try await mark(h, id)
        #expect(try await validate(h, issued.code))
        _ = try await h.admin.changeTokenState(tenantName: "demo", id: id, .enable, caller: .cli)
        let ended = try #require(try await record(h, id))
        #expect(ended.endedReason == LostTokenRules.Trigger.tokenActivated.rawValue)
        let trail = h.store.auditEvents().suffix(2).map { $0.record.event }
        #expect(trail == ["token.enable", "token.lost_end"])
        #expect(try await !validate(h, issued.code))
        #expect(try await validate(h, h.totp()))
    }

    @Test("enrolling a new token for the user ends the code")
    func endsOnEnrolment() async throws {
        let h = try ServiceHarness()
        let id = try await h.seed()
        let issued = try await mark(h, id)
        _ = try await h.admin.enrollToken(tenantName: "demo", username: "alice", EnrollmentRequest(type: .totp), caller: .cli)
        #expect(try await record(h, id)?.endedReason == LostTokenRules.Trigger.tokenEnrolled.rawValue)
        #expect(try await !validate(h, issued.code))
    }

    @Test("the administrator ends a code: the token stays disabled; a second end is 404; a disabled token cannot be marked (409)")
    func endAndConflicts() async throws {
        let h = try ServiceHarness()
        let id = try await h.seed()
        let issued = try await mark(h, id)
        let again = await #expect(throws: LifelineError.self) { _ = try await mark(h, id) }
        #expect(again?.code == .conflict)
        try await h.admin.endLostToken(tenantName: "demo", tokenID: id, caller: .cli)
        #expect(try await h.token(id).state == .disabled)
        #expect(try await !validate(h, issued.code))
        let second = await #expect(throws: LifelineError.self) { try await h.admin.endLostToken(tenantName: "demo", tokenID: id, caller: .cli) }
        #expect(second?.code == .notFound)
        let unknown = await #expect(throws: LifelineError.self) { _ = try await mark(h, UUID()) }
        #expect(unknown?.code == .notFound)
    }

    @Test("of 20 concurrent marks of one token exactly one makes a code")
    func concurrentMarks() async throws {
        let h = try ServiceHarness()
        let id = try await h.seed()
        let codes = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<20 { group.addTask { try? await mark(h, id).code } }
            var out: [String] = []
            for await code in group { if let code { out.append(code) } }
            return out
        }
        #expect(codes.count == 1)
        #expect(h.store.auditEvents().filter { $0.record.event == "token.lost" }.count == 1)
        #expect(try await validate(h, try #require(codes.first)))
    }

    @Test("the auditor and the validate key may not mark a token lost")
    func permission() async throws {
        let h = try ServiceHarness()
        let id = try await h.seed()
        for caller in [Principal(.apiKey(id: "aud"), roles: [.auditor]), Principal.validateKey] {
            let error = await #expect(throws: LifelineError.self) { _ = try await h.admin.markTokenLost(tenantName: "demo", tokenID: id, caller: caller) }
            #expect(error?.code == .forbidden)
            let end = await #expect(throws: LifelineError.self) { try await h.admin.endLostToken(tenantName: "demo", tokenID: id, caller: caller) }
            #expect(end?.code == .forbidden)
        }
        #expect(try await h.token(id).state == .active)
    }

    @Test("helpdesk.lost_token_days: 1–30, default 7")
    func setting() throws {
        func settings(_ json: String) throws -> HelpdeskSettings { try JSONDecoder().decode(HelpdeskSettings.self, from: Data(json.utf8)) }
        #expect(try settings("{}").lostTokenDays == 7)
        #expect(try settings(#"{"lost_token_days": 3}"#).problems().isEmpty)
        for bad in [0, 31, -1] { #expect(try !settings(#"{"lost_token_days": \#(bad)}"#).problems().isEmpty) }
    }

    @Test("the input form: 12 symbols, or a PIN of 4–8 digits before them; spaces and dashes dropped")
    func format() {
        #expect(LostTokenFormat.normalize("abcd-efgh 2345") == "ABCDEFGH2345")
        #expect(LostTokenFormat.normalize("0123ABCDEFGH2345") == "0123ABCDEFGH2345")
        #expect(LostTokenFormat.split("0123ABCDEFGH2345").pin == "0123")
        #expect(LostTokenFormat.split("ABCDEFGH2345").pin == nil)
        for bad in ["ABCDEFGH234", "123ABCDEFGH2345", "ABCDEFGH2340", "A123ABCDEFGH2345", "123456789ABCDEFGH2345"] {
            #expect(LostTokenFormat.normalize(bad) == nil, "\(bad)")
        }
    }
}
