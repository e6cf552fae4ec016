import Foundation
import LifelineApp
import LifelineCore
@testable import LifelineStore
import Testing

/// The helpdesk store contract under concurrency (issue 15), on SQLite and (when `LIFELINE_TEST_POSTGRES_URL` is set)
/// PostgreSQL: an approval runs once, a helpdesk code with N uses is accepted N times, caller attempts stay bounded.
@Suite("Store contract: helpdesk")
struct HelpdeskStoreTests {
    static func op(_ name: String) -> Principal { Principal(.operator(name: name), roles: [.helpdesk], tenants: nil) }

    static func services(_ store: SQLStore) throws -> (AdminService, HelpdeskService, ValidationService) {
        let vault = try FileKeyVault(kek: Array(repeating: 9, count: 32), previous: [])
        let clock = StoreTestClock(now: Fixture.time(1000))
        let admin = AdminService(storage: store, vault: vault, clock: clock, random: SystemRandom(), policy: OTPPolicy())
        return (admin, HelpdeskService(admin: admin, storage: store), ValidationService(storage: store, vault: vault, clock: clock, policy: OTPPolicy()))
    }

    static func configure(_ store: SQLStore, _ tenant: Tenant, _ settings: HelpdeskSettings) async throws {
        var config = RecoveryConfig()
        config.helpdesk = settings
        _ = try await store.putRecoveryConfig(tenantID: tenant.id, config: config, audit: Fixture.audit("recovery.config"))
    }

    @Test("a helpdesk code with 3 uses is accepted exactly 3 times when 6 validations race", arguments: Backend.available)
    func codeUsesUnderRace(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            try await Self.configure(store, tenant, HelpdeskSettings(emergencyCode: HelpdeskCodeTemplate(maxUses: 3, maxLifetimeHours: 1)))
            let (_, helpdesk, validation) = try Self.services(store)
            guard case .done(let result) = try await helpdesk.perform(tenantName: "acme", username: "alice",
                                                                       HelpdeskRequest(action: .helpdeskCode, reason: "INC-1", uses: 3),
                                                                       caller: Self.op("anna")) else { Issue.record("not done"); return }
            let code = try #require(result.code?.code)
            let accepts = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<6 {
                    group.addTask { try await validation.validate(tenantName: "acme", username: "alice", code: code, caller: Caller(actor: "apikey:t", scope: .validate)) }
                }
                var n = 0
                for try await ok in group where ok { n += 1 }
                return n
            }
            #expect(accepts == 3)
            #expect(try await store.emergencyCode(userID: user.id)?.state.status == .usedUp)
            #expect(try await store.verifyChain().broken == nil)
        }
    }

    @Test("12 operators approve one request at once: the action runs once", arguments: Backend.available)
    func approvalExecutesOnce(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            let token = Fixture.token(user)
            try await store.insertToken(token, audit: Fixture.audit("token.enroll"))
            try await Self.configure(store, tenant, HelpdeskSettings(fourEyes: [.tokenDisable]))
            let (_, helpdesk, _) = try Self.services(store)
            guard case .pending(let request) = try await helpdesk.perform(tenantName: "acme", username: "alice",
                                                                           HelpdeskRequest(action: .tokenDisable, reason: "CHG-7", tokenID: token.token.id),
                                                                           caller: Self.op("anna")) else { Issue.record("not pending"); return }
            let wins = await withTaskGroup(of: Bool.self) { group in
                for i in 0..<12 { group.addTask { (try? await helpdesk.approve(id: request.id, caller: Self.op("op\(i)"))) != nil } }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
            #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE event = 'token.disable'") == 1)
            #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE event = 'helpdesk.approval_approve'") == 1)
            #expect(try await store.approvalRequest(id: request.id)?.status == .executed)
            #expect(try await store.verifyChain().broken == nil)
        }
    }

    @Test("the store refuses the requester's own approval and an expired request", arguments: Backend.available)
    func decideGuards(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            let request = ApprovalRequest(id: UUID(), tenantID: tenant.id, userID: user.id, username: user.username, action: .budgetLift,
                                          parameters: ["uses": "1"], requestedBy: "operator:anna", reason: "T-1", createdAt: Fixture.t0,
                                          expiresAt: Fixture.time(900_000))
            try await store.insertApprovalRequest(request, audit: Fixture.audit("helpdesk.approval_request"))
            #expect(try await store.approvalRequest(id: request.id) == request)
            #expect(try await store.approvalRequests(tenantIDs: [tenant.id], status: .pending, limit: 10) == [request])
            #expect(try await store.approvalRequests(tenantIDs: [UUID()], status: nil, limit: 10).isEmpty)
            #expect(try await store.decideApprovalRequest(id: request.id, status: .executed, by: "operator:anna", now: Fixture.time(1), audit: Fixture.audit()) == false)
            #expect(try await store.decideApprovalRequest(id: request.id, status: .executed, by: "operator:bert", now: Fixture.time(900_000),
                                                          audit: Fixture.audit()) == false)
            #expect(try await store.decideApprovalRequest(id: request.id, status: .rejected, by: "operator:anna", now: Fixture.time(2), audit: Fixture.audit()))
            #expect(try await store.approvalRequest(id: request.id)?.status == .rejected)
        }
    }

    @Test("20 concurrent attempts at one caller code: exactly 5 are counted", arguments: Backend.available)
    func callerAttemptsBounded(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            let v = CallerVerification(id: UUID(), tenantID: tenant.id, userID: user.id, actor: "operator:anna", channel: .sms,
                                       maskedRecipient: "+47 *** 12", codeHash: String(repeating: "ab", count: 32), keyID: "k0001",
                                       createdAt: Fixture.t0, expiresAt: Fixture.time(600_000))
            try await store.putCallerVerification(v, outbox: [], audit: Fixture.audit("helpdesk.caller_code_send"))
            #expect(try await store.callerVerification(actor: "operator:anna", userID: user.id) == v)
            let counted = try await withThrowingTaskGroup(of: Int?.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await store.recordCallerAttempt(id: v.id, matched: false, now: Fixture.time(1), verifiedUntil: Fixture.time(900_000),
                                                            maxAttempts: 5, audit: Fixture.audit("helpdesk.caller_verify", outcome: "failure"))
                    }
                }
                var n = 0
                for try await attempts in group where attempts != nil { n += 1 }
                return n
            }
            #expect(counted == 5)
            #expect(try await store.callerVerification(actor: "operator:anna", userID: user.id)?.attempts == 5)
            #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE event = 'helpdesk.caller_verify'") == 5)
        }
    }
}
