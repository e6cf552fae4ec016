import Foundation
import LifelineCore
import LifelineTestStore
import Testing

/// The unit of work and the emergency-code rules composed into it, on the in-memory store.
@Suite("Unit of work")
struct UnitOfWorkTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func record(_ event: String, subject: String = "alice") -> AuditRecord {
        AuditRecord(time: t0, tenant: "demo", actor: "cli", subject: subject, event: event, outcome: "success", source: "127.0.0.1")
    }

    @Test("EmergencyCodeRules records the revocation and, only if it revoked, its audit record with the trigger's actor and source")
    func ruleComposition() {
        var work = UnitOfWork()
        let trigger = Self.record("contact.add")
        EmergencyCodeRules.revokeCode(in: &work, userID: UUID(), username: "Alice", because: .contactAdded, after: trigger)
        #expect(work.steps.count == 2)
        guard case .revokeEmergencyCode(_, let reason, let at) = work.steps[0].operation,
              case .appendAudit(let audit) = work.steps[1].operation else {
            Issue.record("unexpected steps")
            return
        }
        #expect(reason == "contact added" && at == Self.t0)
        guard case .changed(let ref) = work.steps[1].condition else { Issue.record("the record is not conditional"); return }
        #expect(ref.index == 0 && work.steps[0].condition == .always)
        #expect(audit == AuditRecord(time: Self.t0, tenant: "demo", actor: "cli", subject: "Alice", event: "emergency_code.revoke",
                                     outcome: "success", reason: "contact added", source: "127.0.0.1"))
    }

    @Test("a step whose condition does not hold is skipped, and so is everything conditional on it")
    func conditions() async throws {
        let h = try ServiceHarness()
        let tokenID = try await h.seed()
        let before = h.store.auditEvents().count
        var unlock: UnitOfWork.Ref?
        var revoke: UnitOfWork.Ref?
        let outcome = try await h.store.transaction { tx in
            let u = tx.unlockTokens(userID: UUID())                       // no such user: changes nothing
            tx.append(Self.record("token.unlock"), if: .changed(u))
            let r = tx.revokeEmergencyCode(userID: UUID(), reason: "test", at: Self.t0, if: .reactivated(u))
            tx.append(Self.record("emergency_code.revoke"), if: .changed(r))
            unlock = u
            revoke = r
        }
        #expect(outcome.changed(try #require(unlock)) == 0)
        #expect(outcome.results.map { $0 == nil } == [false, true, true, true])
        #expect(outcome.changed(try #require(revoke)) == 0)
        #expect(h.store.auditEvents().count == before, "nothing audited")
        #expect(try await h.token(tokenID).state == .active)
    }

    @Test("a unit whose last step fails writes nothing of its earlier steps")
    func allOrNothing() async throws {
        let h = try ServiceHarness()
        let tokenID = try await h.seed()
        let before = h.store.auditEvents().count
        let tenantID = try await h.admin.tenant("demo", caller: .cli).id
        await #expect(throws: LifelineError.self) {
            try await h.store.transaction { tx in
                tx.setTokenState(tokenID: tokenID, tenantID: tenantID, state: .disabled, resetFailCount: false)
                tx.append(Self.record("token.disable"))
                tx.insertContact(Contact(id: UUID(), userID: UUID(), kind: .email, value: "x@y.cz", verified: true, createdAt: Self.t0))
            }
        }
        #expect(try await h.token(tokenID).state == .active)
        #expect(h.store.auditEvents().count == before)
    }
}
