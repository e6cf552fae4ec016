import Foundation
import LifelineCore
import LifelineTestStore
import Testing

/// ValidationService on the in-memory store, through its public API only.
@Suite("ValidationService (in-memory store)")
struct ValidationServiceTests {
    @Test("a right code is accepted once; the same code again is refused (single use); both are audited")
    func acceptOnce() async throws {
        let h = try ServiceHarness()
        try await h.seed()
        let code = h.totp()
        #expect(try await h.validation.validate(tenantName: "demo", username: "alice", code: code, caller: .validateKey))
        #expect(try await !h.validation.validate(tenantName: "demo", username: "alice", code: code, caller: .validateKey))
        #expect(h.auditTrail().suffix(2) == ["validate accept", "validate reject"])
        #expect(try await h.store.verifyChain().broken == nil)
    }

    @Test("50 concurrent validations of one code: exactly one is accepted (the store's single-use guard)")
    func singleUseUnderConcurrency() async throws {
        let h = try ServiceHarness()
        try await h.seed()
        let code = h.totp()
        let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<50 {
                group.addTask { try await h.validation.validate(tenantName: "demo", username: "alice", code: code, caller: .validateKey) }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(accepted == 1)
        #expect(h.auditTrail().filter { $0 == "validate accept" }.count == 1)
    }

    @Test("a wrong code is refused and counted on the token")
    func reject() async throws {
        let h = try ServiceHarness()
        let id = try await h.seed()
        #expect(try await !h.validation.validate(tenantName: "demo", username: "alice", code: h.wrongCode(), caller: .validateKey))
        #expect(try await h.token(id).failCount == 1)
        #expect(h.auditTrail().last == "validate reject")
    }

    @Test("an unknown user, or an unknown tenant, is refused like a wrong code")
    func unknownUser() async throws {
        let h = try ServiceHarness()
        try await h.seed()
        #expect(try await !h.validation.validate(tenantName: "demo", username: "mallory", code: h.totp(), caller: .validateKey))
        #expect(try await !h.validation.validate(tenantName: "nowhere", username: "alice", code: h.totp(), caller: .validateKey))
        #expect(h.auditTrail().suffix(2) == ["validate reject", "validate reject"])
    }

    @Test("after throttleAfter wrong codes even the right code is refused until the throttle ends")
    func throttle() async throws {
        var policy = OTPPolicy()
        policy.throttleAfter = 3
        policy.throttleBase = 30
        let h = try ServiceHarness(policy: policy)
        let id = try await h.seed()
        for _ in 0..<3 { #expect(try await !h.validation.validate(tenantName: "demo", username: "alice", code: h.wrongCode(), caller: .validateKey)) }
        #expect(try await h.token(id).throttledUntil != nil)
        #expect(try await !h.validation.validate(tenantName: "demo", username: "alice", code: h.totp(), caller: .validateKey), "throttled: refused unchecked")
        h.clock.advance(by: 31)
        #expect(try await h.validation.validate(tenantName: "demo", username: "alice", code: h.totp(), caller: .validateKey))
        let token = try await h.token(id)
        #expect(token.failCount == 0 && token.throttledUntil == nil)
    }

    @Test("maxFail wrong codes lock the token; a locked token refuses the right code")
    func lock() async throws {
        var policy = OTPPolicy()
        policy.maxFail = 4
        policy.throttleAfter = 10
        let h = try ServiceHarness(policy: policy)
        let id = try await h.seed()
        for _ in 0..<4 { #expect(try await !h.validation.validate(tenantName: "demo", username: "alice", code: h.wrongCode(), caller: .validateKey)) }
        #expect(try await h.token(id).state == .locked)
        #expect(try await !h.validation.validate(tenantName: "demo", username: "alice", code: h.totp(), caller: .validateKey))
    }
}
