import Foundation
import LifelineCore
import LifelineTestStore
import Testing

/// OTP tokens with a PIN (issue 16, the privacyIDEA convention) through ValidationService and AdminService on the
/// in-memory store: PIN ‖ OTP in `code` or the PIN apart, never the OTP alone, 3 wrong PINs block, a reset unblocks.
@Suite("Token PIN validation (in-memory store)")
struct TokenPINValidationTests {
    static let pin = "7391"

    /// Alice's TOTP token with PIN ``pin``.
    func seeded() async throws -> (ServiceHarness, UUID) {
        let h = try ServiceHarness()
        let id = try await h.seed()
        _ = try await h.admin.setTokenPIN(tenantName: "demo", id: id, pin: Self.pin, caller: .cli)
        return (h, id)
    }

    func validate(_ h: ServiceHarness, _ code: String, pin: String? = nil) async throws -> Bool {
        try await h.validation.validate(tenantName: "demo", username: "alice", code: code, pin: pin, caller: .validateKey)
    }

    func lastReason(_ h: ServiceHarness) -> String { h.store.auditEvents().last?.record.reason ?? "" }

    @Test("PIN ‖ OTP in code is accepted, and the OTP with the PIN apart; the OTP alone never, and it counts nowhere")
    func accepts() async throws {
        let (h, id) = try await seeded()
        #expect(try await h.token(id).hasPIN)
        #expect(try await !validate(h, h.totp()), "a token with a PIN never accepts the OTP alone")
        #expect(lastReason(h) == "PIN missing")
        var token = try await h.token(id)
        #expect(token.failCount == 0 && token.pinFailCount == 0)
        #expect(try await validate(h, Self.pin + h.totp()))
        h.clock.advance(by: 30)
        #expect(try await validate(h, h.totp(), pin: Self.pin))
        token = try await h.token(id)
        #expect(token.failCount == 0 && token.pinFailCount == 0)
    }

    @Test("a wrong PIN counts on the PIN, a right PIN with a wrong OTP on the OTP; the audit tells them apart, the answer does not")
    func countsApart() async throws {
        let (h, id) = try await seeded()
        #expect(try await !validate(h, "1357" + h.totp()))
        var token = try await h.token(id)
        #expect(token.pinFailCount == 1 && token.failCount == 0)
        #expect(lastReason(h) == "wrong PIN")
        #expect(try await !validate(h, h.wrongCode(), pin: Self.pin))
        token = try await h.token(id)
        #expect(token.pinFailCount == 1 && token.failCount == 1)
        #expect(lastReason(h) == "wrong code")
        // The right PIN and OTP: accepted, and both counters start again.
        #expect(try await validate(h, Self.pin + h.totp()))
        token = try await h.token(id)
        #expect(token.pinFailCount == 0 && token.failCount == 0)
    }

    @Test("3 consecutive wrong PINs block the PIN: the right PIN and OTP are refused until a reset or a new PIN")
    func blocks() async throws {
        let (h, id) = try await seeded()
        for wrong in ["1357", "8642", "9173"] { #expect(try await !validate(h, wrong + h.totp())) }
        #expect(try await h.token(id).isPINBlocked)
        #expect(try await !validate(h, Self.pin + h.totp()))
        #expect(lastReason(h) == "token PIN blocked")
        // The helpdesk's token reset clears the block.
        _ = try await h.admin.changeTokenState(tenantName: "demo", id: id, .reset, caller: .cli)
        #expect(try await !h.token(id).isPINBlocked)
        #expect(try await validate(h, Self.pin + h.totp()))
        // Blocked again, then a new PIN unblocks it.
        h.clock.advance(by: 30)
        for wrong in ["1357", "8642", "9173"] { #expect(try await !validate(h, wrong + h.totp())) }
        _ = try await h.admin.setTokenPIN(tenantName: "demo", id: id, pin: "8204", caller: .cli)
        #expect(try await !validate(h, Self.pin + h.totp()), "the old PIN is gone")
        #expect(try await validate(h, "8204" + h.totp()))
    }

    @Test("20 concurrent wrong PINs count 3 and block the PIN: a limit of 3 allows 3, also in a burst")
    func burst() async throws {
        let (h, id) = try await seeded()
        let code = h.totp()
        let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<20 {
                let wrong = String(format: "%04d", 1000 + i * 37)
                group.addTask { try await validate(h, wrong + code) }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(accepted == 0)
        let token = try await h.token(id)
        #expect(token.pinFailCount == TokenPIN.maxFailures && token.isPINBlocked)
        #expect(try await !validate(h, Self.pin + code))
    }

    @Test("weak or malformed PINs are refused when set; a malformed pin at validate is a 400 before any lookup")
    func refusesWeak() async throws {
        let (h, id) = try await seeded()
        for weak in ["1234", "0000", "1212", "2580", "12345678", "123", "12a4", "123456789"] {
            await #expect(throws: LifelineError.self) { _ = try await h.admin.setTokenPIN(tenantName: "demo", id: id, pin: weak, caller: .cli) }
        }
        var request = EnrollmentRequest(type: .totp)
        request.pin = "4444"
        await #expect(throws: LifelineError.self) { _ = try await h.admin.enrollToken(tenantName: "demo", username: "alice", request, caller: .cli) }
        do {
            _ = try await validate(h, h.totp(), pin: "12")
            Issue.record("a 2-digit pin was taken")
        } catch let error as LifelineError {
            #expect(error.code == .invalidRequest)
        }
    }

    @Test("a PIN set at enrolment works; DELETE-like clearing makes the token take the OTP alone again")
    func enrolAndClear() async throws {
        let h = try ServiceHarness()
        _ = try await h.admin.createTenant(name: "demo", displayName: "Demo", caller: .cli)
        _ = try await h.admin.createUser(tenantName: "demo", AdminService.NewUser(username: "alice"), caller: .cli)
        var request = EnrollmentRequest(type: .totp)
        request.secretBase32 = Base32.encode(ServiceHarness.secret)
        request.pin = Self.pin
        let token = try await h.admin.enrollToken(tenantName: "demo", username: "alice", request, caller: .cli).token
        #expect(token.hasPIN)
        #expect(try await validate(h, Self.pin + h.totp()))
        _ = try await h.admin.setTokenPIN(tenantName: "demo", id: token.id, pin: nil, caller: .cli)
        h.clock.advance(by: 30)
        #expect(try await !validate(h, Self.pin + h.totp()), "no PIN: PIN ‖ OTP is no code of it")
        #expect(try await validate(h, h.totp()))
    }

    @Test("the audit never holds the PIN; setting and clearing it are audited")
    func auditHasNoPIN() async throws {
        let (h, id) = try await seeded()
        _ = try await validate(h, Self.pin + h.totp())
        _ = try await validate(h, "1357" + h.totp())
        _ = try await h.admin.setTokenPIN(tenantName: "demo", id: id, pin: nil, caller: .cli)
        let events = h.store.auditEvents().map(\.record)
        #expect(events.contains { $0.event == "token.pin.set" } && events.contains { $0.event == "token.pin.clear" })
        #expect(!events.contains { $0.reason.contains(Self.pin) || $0.subject.contains(Self.pin) || $0.reason.contains("1357") })
    }

    @Test("an unknown user with PIN ‖ OTP, or with a pin field, is refused like a wrong code")
    func unknownUser() async throws {
        let (h, _) = try await seeded()
        #expect(try await !h.validation.validate(tenantName: "demo", username: "mallory", code: Self.pin + h.totp(), caller: .validateKey))
        #expect(try await !h.validation.validate(tenantName: "demo", username: "mallory", code: h.totp(), pin: Self.pin, caller: .validateKey))
        #expect(lastReason(h) == "unknown user")
    }
}
