import Foundation
import LifelineCore
import LifelineTestStore
import Testing

/// Four-eyes approval (issue 15): a second operator approves within 15 minutes; never the requester; once.
@Suite("Helpdesk: four-eyes approval")
struct ApprovalTests {
    let t: HelpdeskServiceTests

    init() throws { t = try HelpdeskServiceTests() }

    func request(_ token: UUID, by caller: Principal) async throws -> ApprovalRequest {
        let outcome = try await t.helpdesk.perform(tenantName: "demo", username: "alice",
                                                   HelpdeskRequest(action: .tokenDisable, reason: "CHG-12", tokenID: token), caller: caller)
        guard case .pending(let r) = outcome else { Issue.record("expected a pending request"); throw CancellationError() }
        return r
    }

    @Test("the request waits; the requester cannot approve it; a second operator's approval runs it once")
    func approveOnce() async throws {
        let token = try await t.seed(#"{"four_eyes": ["token_disable"]}"#)
        let anna = try await t.op("anna"), bert = try await t.op("bert")
        let r = try await request(token, by: anna)
        #expect(try await t.h.token(token).state == .active)
        let own = await #expect(throws: LifelineError.self) { try await t.helpdesk.approve(id: r.id, caller: anna) }
        #expect(own?.code == .forbidden)
        let result = try await t.helpdesk.approve(id: r.id, caller: bert)
        #expect(result.token?.state == .disabled)
        let again = await #expect(throws: LifelineError.self) { try await t.helpdesk.approve(id: r.id, caller: try await t.op("cara")) }
        #expect(again?.code == .conflict)
        #expect(try await t.helpdesk.approvalRequest(id: r.id, caller: bert).status == .executed)
        let trail = t.h.store.auditEvents().map(\.record)
        #expect(trail.filter { $0.event == "token.disable" }.count == 1)
        let executed = try #require(trail.last { $0.event == "helpdesk.token_disable" })
        #expect(executed.actor == "operator:bert" && executed.reason.hasPrefix("CHG-12 (approved request"))
        #expect(trail.contains { $0.event == "helpdesk.approval_request" && $0.actor == "operator:anna" })
        #expect(trail.contains { $0.event == "helpdesk.approval_approve" && $0.actor == "operator:bert" })
    }

    @Test("concurrent approvals by several operators run the action once")
    func concurrentApprovals() async throws {
        let token = try await t.seed(#"{"four_eyes": ["token_disable"]}"#)
        let r = try await request(token, by: try await t.op("anna"))
        let approvers = try await (0..<8).asyncMap { try await t.op("op\($0)") }
        let wins = await withTaskGroup(of: Bool.self) { group in
            for p in approvers { group.addTask { (try? await t.helpdesk.approve(id: r.id, caller: p)) != nil } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
        #expect(t.h.auditTrail().filter { $0 == "helpdesk.token_disable success" }.count == 1)
    }

    @Test("a request expires after 15 minutes: it cannot be approved and reads expired")
    func expired() async throws {
        let token = try await t.seed(#"{"four_eyes": ["token_disable"]}"#)
        let r = try await request(token, by: try await t.op("anna"))
        t.h.clock.advance(by: 900)
        let error = await #expect(throws: LifelineError.self) { try await t.helpdesk.approve(id: r.id, caller: try await t.op("bert")) }
        #expect(error?.code == .conflict)
        #expect(try await t.helpdesk.approvalRequest(id: r.id, caller: try await t.op("bert")).status == .expired)
        #expect(try await t.h.token(token).state == .active)
    }

    @Test("a rejected request cannot be approved; an operator of another tenant does not see it")
    func rejectAndScope() async throws {
        let token = try await t.seed(#"{"four_eyes": ["token_disable"]}"#)
        let r = try await request(token, by: try await t.op("anna"))
        let other = try await t.h.admin.createTenant(name: "other", displayName: nil, caller: .cli)
        let outsider = Principal(.operator(name: "olga"), roles: [.helpdesk], tenants: [other.id])
        let hidden = await #expect(throws: LifelineError.self) { try await t.helpdesk.approve(id: r.id, caller: outsider) }
        #expect(hidden?.code == .notFound)
        #expect(try await t.helpdesk.approvalRequests(caller: outsider).isEmpty)
        #expect(try await t.helpdesk.reject(id: r.id, caller: try await t.op("bert")).status == .rejected)
        await #expect(throws: LifelineError.self) { try await t.helpdesk.approve(id: r.id, caller: try await t.op("cara")) }
        #expect(try await t.h.token(token).state == .active)
    }

    @Test("four-eyes on token_resync is refused by the configuration check")
    func resyncCannotWait() {
        let settings = HelpdeskSettings(fourEyes: [.tokenResync])
        #expect(settings.problems().map(\.description) == ["helpdesk.four_eyes: token_resync cannot wait for approval (its two codes go stale)"])
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await transform(e)) }
        return out
    }
}
