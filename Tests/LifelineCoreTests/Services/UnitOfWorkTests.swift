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

    @Test("RecoveryCodeRules counts a guess, then revokes the set only when the count reaches the limit, with its own record")
    func recoveryCodeRuleComposition() {
        var work = UnitOfWork()
        let userID = UUID()
        let guess = AuditRecord(time: Self.t0, tenant: "demo", actor: "key", subject: "alice", event: "validate", outcome: "reject",
                                reason: "wrong code", source: "192.0.2.1")
        let revokedAt = Self.t0.addingTimeInterval(1)
        RecoveryCodeRules.countFailure(in: &work, userID: userID, now: revokedAt, maxFailures: 3, audit: guess)
        #expect(work.steps.count == 4)
        guard case .countRecoveryCodeFailure(let counted) = work.steps[0].operation, counted == userID,
              case .appendAudit(let first) = work.steps[1].operation, first == guess,
              case .revokeRecoveryCodes(_, let reason, let at) = work.steps[2].operation,
              case .appendAudit(let record) = work.steps[3].operation else {
            Issue.record("unexpected steps")
            return
        }
        #expect(reason == "too many wrong codes" && at == revokedAt)
        guard case .failCountReached(let countRef, let limit) = work.steps[2].condition, case .changed(let revokeRef) = work.steps[3].condition else {
            Issue.record("the revocation or its record is not conditional")
            return
        }
        #expect(countRef.index == 0 && limit == 3 && revokeRef.index == 2)
        #expect(record == AuditRecord(time: Self.t0, tenant: "demo", actor: "key", subject: "alice", event: "recovery_codes.revoke",
                                      outcome: "success", reason: "too many wrong codes", source: "192.0.2.1"))
        // The condition: at the limit or above, not below, and not when no set was counted.
        let reached = work.steps[2].condition
        #expect(UnitOfWork.Outcome(results: [.init(changed: 1, failCount: 3)]).holds(reached))
        #expect(!UnitOfWork.Outcome(results: [.init(changed: 1, failCount: 2)]).holds(reached))
        #expect(!UnitOfWork.Outcome(results: [.init(changed: 0)]).holds(reached))
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
