import Foundation
import LifelineCore
import LifelineTestStore
import Testing

/// The helpdesk emergency access code (issue 15, like Entra's Temporary Access Pass): bounded by the tenant's
/// template, shown once or sent, and accepted where an emergency code is.
@Suite("Helpdesk: emergency access code")
struct HelpdeskCodeTests {
    let t: HelpdeskServiceTests

    init() throws { t = try HelpdeskServiceTests() }

    func issue(uses: Int? = nil, minutes: Int? = nil, contact: UUID? = nil) async throws -> HelpdeskResult {
        try t.done(try await t.helpdesk.perform(tenantName: "demo", username: "alice",
                                                HelpdeskRequest(action: .helpdeskCode, reason: "INC-9", uses: uses, lifetimeMinutes: minutes, contactID: contact),
                                                caller: try await t.op("anna")))
    }

    @Test("shown once; its uses and lifetime within the template; accepted by validate exactly its uses")
    func shownAndBounded() async throws {
        _ = try await t.seed(#"{"emergency_code": {"max_uses": 2, "max_lifetime_hours": 1, "delivery": "show"}}"#)
        for (uses, minutes) in [(3, nil), (nil, 61), (0, nil), (nil, 4)] as [(Int?, Int?)] {
            let error = await #expect(throws: LifelineError.self) { try await issue(uses: uses, minutes: minutes) }
            #expect(error?.code == .invalidRequest)
        }
        let result = try await issue(minutes: 30)
        let code = try #require(result.code?.code)
        #expect(result.code?.maxUses == 2 && result.code?.expiresAt == t.h.clock.now().addingTimeInterval(1800))
        let (_, state) = try await t.h.admin.emergencyCode(tenantName: "demo", username: "alice", caller: .cli)
        #expect(state.templateID == "helpdesk")
        var accepted: [Bool] = []
        for _ in 0..<3 { accepted.append(try await t.h.validation.validate(tenantName: "demo", username: "alice", code: code, caller: .validateKey)) }
        #expect(accepted == [true, true, false])
    }

    @Test("expires at the lifetime the operator chose")
    func expires() async throws {
        _ = try await t.seed()
        let code = try #require(try await issue(minutes: 10).code?.code)
        t.h.clock.advance(by: 600)
        #expect(try await t.h.validation.validate(tenantName: "demo", username: "alice", code: code, caller: .validateKey) == false)
    }

    @Test("delivery send: the operator never sees it; it goes to the chosen verified contact only")
    func sent() async throws {
        _ = try await t.seed(#"{"emergency_code": {"delivery": "send"}}"#)
        let missing = await #expect(throws: LifelineError.self) { try await issue() }
        #expect(missing?.code == .invalidRequest)
        let mail = try await t.contact(.email)
        let result = try await issue(contact: mail.id)
        #expect(result.code?.code == nil && result.code?.delivery == .send && result.code?.sentTo == "a***@demo.example")
        let text = try #require(try await t.texts(to: mail.value).first { $0.contains("access code is") })
        let code = String(try #require(text.split(whereSeparator: { !$0.isNumber && $0 != " " }).map { $0.filter(\.isNumber) }.first { $0.count == 12 }))
        #expect(try await t.h.validation.validate(tenantName: "demo", username: "alice", code: code, caller: .validateKey))
        #expect(try await t.texts(to: "+420777123789").allSatisfy { !$0.contains(code) })
    }
}
