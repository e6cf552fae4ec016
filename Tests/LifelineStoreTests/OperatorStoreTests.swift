import Foundation
import LifelineCore
@testable import LifelineStore
import Testing

/// The operators' store on SQLite and PostgreSQL: round trip, and the single-use guards under races (an enrolment link
/// used once, a TOTP step accepted once).
@Suite("Operator store")
struct OperatorStoreTests {
    static func op(_ tenant: Tenant, name: String = "helen", state: OperatorState = .pending) -> Operator {
        Operator(id: UUID(), name: name, role: .helpdesk, tenantIDs: [tenant.id], state: state, passwordHash: state == .active ? "scrypt$x" : nil,
                 totpSecret: Fixture.sealed(), createdAt: Fixture.time(5), createdBy: "cli")
    }

    static func enrolment(_ op: Operator, hash: String = "e1") -> OperatorEnrolment {
        OperatorEnrolment(tokenHash: hash, operatorID: op.id, createdAt: Fixture.time(5), expiresAt: Fixture.time(86_400_000))
    }

    @Test("insert, read back, unique name, update with sessions ended", arguments: Backend.available)
    func roundTrip(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, _) = try await Fixture.seedUser(store)
            let op = Self.op(tenant)
            try await store.insertOperator(op, enrolment: Self.enrolment(op), audit: Fixture.audit("operator.create"))
            #expect(try await store.operatorRecord(named: "helen") == op)
            #expect(try await store.operatorRecord(id: op.id) == op)
            await #expect(throws: LifelineError.self) {
                try await store.insertOperator(Self.op(tenant), enrolment: nil, audit: Fixture.audit("operator.create"))
            }
            #expect(try await store.enrolment(tokenHash: "e1")?.operatorID == op.id)
            var changed = op
            changed.role = .useradmin; changed.state = .disabled
            try await store.updateOperator(changed, endSessions: true, enrolment: nil, audit: Fixture.audit("operator.disable"))
            #expect(try await store.operatorRecord(id: op.id)?.role == .useradmin)
            #expect(try await store.enrolment(tokenHash: "e1") == nil)
            #expect(try await store.operatorRecords().map(\.name) == ["helen"])
        }
    }

    @Test("one enrolment link used by 20 concurrent requests: exactly one wins", arguments: Backend.available)
    func enrolmentRace(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { store, db in
            try await db.withSecondStore(maxConnections: 20) { second in
                let (tenant, _) = try await Fixture.seedUser(store)
                let op = Self.op(tenant)
                try await store.insertOperator(op, enrolment: Self.enrolment(op), audit: Fixture.audit("operator.create"))
                let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for i in 0..<20 {
                        let s = i % 2 == 0 ? store : second
                        group.addTask {
                            (try? await s.completeEnrolment(tokenHash: "e1", operatorID: op.id, passwordHash: "scrypt$\(i)", step: 100 + Int64(i),
                                                            now: Fixture.time(10), audit: Fixture.audit("operator.enrol"))) ?? false
                        }
                    }
                    var n = 0
                    for try await won in group where won { n += 1 }
                    return n
                }
                #expect(wins == 1)
                #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE event = 'operator.enrol'") == 1)
                #expect(try await store.operatorRecord(id: op.id)?.state == .active)
                // Used: a later attempt fails too.
                #expect(try await store.completeEnrolment(tokenHash: "e1", operatorID: op.id, passwordHash: "x", step: 500,
                                                          now: Fixture.time(11), audit: Fixture.audit("operator.enrol")) == false)
            }
        }
    }

    @Test("an expired enrolment link is refused", arguments: Backend.available)
    func expiredEnrolment(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, _) = try await Fixture.seedUser(store)
            let op = Self.op(tenant)
            try await store.insertOperator(op, enrolment: Self.enrolment(op), audit: Fixture.audit("operator.create"))
            #expect(try await store.completeEnrolment(tokenHash: "e1", operatorID: op.id, passwordHash: "x", step: 1,
                                                      now: Fixture.time(86_400_000), audit: Fixture.audit("operator.enrol")) == false)
            #expect(try await store.operatorRecord(id: op.id)?.state == .pending)
        }
    }

    @Test("a TOTP step opens one session: 20 concurrent logins with one code, then a replay", arguments: Backend.available)
    func totpStepOnce(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { store, _ in
            let (tenant, _) = try await Fixture.seedUser(store)
            let op = Self.op(tenant, state: .active)
            try await store.insertOperator(op, enrolment: nil, audit: Fixture.audit("operator.create"))
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        let s = OperatorSession(id: UUID(), tokenHash: "h\(i)", operatorID: op.id, createdAt: Fixture.time(10), lastSeenAt: Fixture.time(10),
                                                source: "127.0.0.1", userAgent: "test")
                        return try await store.startSession(s, step: 7, seenFailCount: 0, now: Fixture.time(10), audit: Fixture.audit("operator.login"))
                    }
                }
                var n = 0
                for try await won in group where won { n += 1 }
                return n
            }
            #expect(wins == 1)
            #expect(try await store.sessions(operatorID: op.id).count == 1)
            // The same step later (a replayed code), and an older one: refused.
            for step: Int64 in [7, 6] {
                let s = OperatorSession(id: UUID(), tokenHash: "r\(step)", operatorID: op.id, createdAt: Fixture.time(20), lastSeenAt: Fixture.time(20),
                                        source: "", userAgent: "")
                #expect(try await store.startSession(s, step: step, seenFailCount: 0, now: Fixture.time(20), audit: Fixture.audit("operator.login")) == false)
            }
            // Re-authentication with the used step is refused too; with the next one it is recorded.
            let session = try #require(try await store.sessions(operatorID: op.id).first)
            #expect(try await store.reauthenticate(sessionID: session.id, operatorID: op.id, step: 7, seenFailCount: 0, now: Fixture.time(30),
                                                   audit: Fixture.audit("operator.reauth")) == false)
            #expect(try await store.reauthenticate(sessionID: session.id, operatorID: op.id, step: 8, seenFailCount: 0, now: Fixture.time(30),
                                                   audit: Fixture.audit("operator.reauth")))
            #expect(try await store.session(tokenHash: session.tokenHash)?.reauthAt == Fixture.time(30))
            #expect(try await store.operatorRecord(id: op.id)?.lastTOTPStep == 8)
        }
    }

    @Test("failures count once per stored state; sessions touched, listed, ended and swept", arguments: Backend.available)
    func failuresAndSessions(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, _) = try await Fixture.seedUser(store)
            let op = Self.op(tenant, state: .active)
            try await store.insertOperator(op, enrolment: nil, audit: Fixture.audit("operator.create"))
            try await store.recordOperatorFailure(operatorID: op.id, seenFailCount: 0, throttledUntil: nil, audit: Fixture.audit("operator.login"))
            try await store.recordOperatorFailure(operatorID: op.id, seenFailCount: 0, throttledUntil: Fixture.time(99), audit: Fixture.audit("operator.login"))
            let stored = try #require(try await store.operatorRecord(id: op.id))
            #expect(stored.failCount == 1 && stored.throttledUntil == nil)
            // A login against the stale counter does not open a session.
            let s = OperatorSession(id: UUID(), tokenHash: "s1", operatorID: op.id, createdAt: Fixture.time(10), lastSeenAt: Fixture.time(10),
                                    source: "10.0.0.1", userAgent: "Firefox")
            #expect(try await store.startSession(s, step: 1, seenFailCount: 0, now: Fixture.time(10), audit: Fixture.audit("operator.login")) == false)
            #expect(try await store.startSession(s, step: 1, seenFailCount: 1, now: Fixture.time(10), audit: Fixture.audit("operator.login")))
            try await store.touchSession(id: s.id, at: Fixture.time(70_000))
            try await store.touchSession(id: s.id, at: Fixture.time(60_000)) // never moves back
            #expect(try await store.session(tokenHash: "s1")?.lastSeenAt == Fixture.time(70_000))
            try await store.deleteExpiredSessions(operatorID: op.id, now: Fixture.time(70_000 + 14 * 60_000))
            #expect(try await store.sessions(operatorID: op.id).count == 1)
            try await store.deleteExpiredSessions(operatorID: op.id, now: Fixture.time(70_000 + 15 * 60_000))
            #expect(try await store.sessions(operatorID: op.id).isEmpty)
            #expect(try await store.deleteSession(id: s.id, operatorID: op.id, audit: nil) == false)
        }
    }
}
