import Foundation
import LifelineCore

extension InMemoryStore: OperatorStore {
    public func insertOperator(_ op: Operator, enrolment: OperatorEnrolment?, audit: AuditRecord) async throws {
        let key = try await auditKey()
        try write { s in
            guard !s.operators.values.contains(where: { $0.name == op.name }) else { throw LifelineError(.conflict, "an operator named '\(op.name)' exists") }
            s.operators[op.id] = op
            if let enrolment { s.operatorEnrolments[enrolment.tokenHash] = enrolment }
            Self.append(audit, key: key, to: &s)
        }
    }

    public func operatorRecord(named name: String) async throws -> Operator? { read { $0.operators.values.first { $0.name == name } } }
    public func operatorRecord(id: UUID) async throws -> Operator? { read { $0.operators[id] } }
    public func operatorRecords() async throws -> [Operator] { read { $0.operators.values.sorted { $0.name < $1.name } } }

    public func updateOperator(_ op: Operator, endSessions: Bool, enrolment: OperatorEnrolment?, audit: AuditRecord) async throws {
        let key = try await auditKey()
        try write { s in
            guard var stored = s.operators[op.id] else { throw LifelineError(.notFound, "no such operator") }
            stored.role = op.role; stored.tenantIDs = op.tenantIDs; stored.state = op.state
            stored.passwordHash = op.passwordHash; stored.totpSecret = op.totpSecret
            s.operators[op.id] = stored
            if endSessions {
                s.operatorSessions = s.operatorSessions.filter { $0.value.operatorID != op.id }
                s.operatorEnrolments = s.operatorEnrolments.filter { $0.value.operatorID != op.id }
            }
            if let enrolment { s.operatorEnrolments[enrolment.tokenHash] = enrolment }
            Self.append(audit, key: key, to: &s)
        }
    }

    public func enrolment(tokenHash: String) async throws -> OperatorEnrolment? { read { $0.operatorEnrolments[tokenHash] } }

    public func completeEnrolment(tokenHash: String, operatorID: UUID, passwordHash: String, step: Int64, now: Date, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return try write { s in
            guard let e = s.operatorEnrolments[tokenHash], e.operatorID == operatorID, e.expiresAt > now else { return false }
            guard var op = s.operators[operatorID], op.state == .pending else { throw LifelineError(.notFound, "this enrolment link is unknown, used or expired") }
            s.operatorEnrolments[tokenHash] = nil
            op.state = .active; op.passwordHash = passwordHash; op.lastTOTPStep = step; op.failCount = 0; op.throttledUntil = nil
            s.operators[operatorID] = op
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func startSession(_ session: OperatorSession, step: Int64, seenFailCount: Int, now: Date, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard Self.useStep(session.operatorID, step: step, seenFailCount: seenFailCount, now: now, in: &s) else { return false }
            s.operatorSessions[session.id] = session
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func recordOperatorFailure(operatorID: UUID, seenFailCount: Int, throttledUntil: Date?, audit: AuditRecord) async throws {
        let key = try await auditKey()
        write { s in
            if var op = s.operators[operatorID], op.failCount == seenFailCount {
                op.failCount = seenFailCount + 1; op.throttledUntil = throttledUntil
                s.operators[operatorID] = op
            }
            Self.append(audit, key: key, to: &s)
        }
    }

    public func reauthenticate(sessionID: UUID, operatorID: UUID, step: Int64, seenFailCount: Int, now: Date, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return try write { s in
            guard Self.useStep(operatorID, step: step, seenFailCount: seenFailCount, now: now, in: &s) else { return false }
            guard var session = s.operatorSessions[sessionID], session.operatorID == operatorID else { throw LifelineError(.notFound, "no such session") }
            session.reauthAt = now
            s.operatorSessions[sessionID] = session
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func session(tokenHash: String) async throws -> OperatorSession? { read { $0.operatorSessions.values.first { $0.tokenHash == tokenHash } } }

    public func touchSession(id: UUID, at: Date) async throws {
        write { s in if let seen = s.operatorSessions[id]?.lastSeenAt, seen < at { s.operatorSessions[id]?.lastSeenAt = at } }
    }

    public func sessions(operatorID: UUID) async throws -> [OperatorSession] {
        read { $0.operatorSessions.values.filter { $0.operatorID == operatorID }.sorted { ($0.createdAt, $0.id.uuidString) > ($1.createdAt, $1.id.uuidString) } }
    }

    public func deleteSession(id: UUID, operatorID: UUID, audit: AuditRecord?) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard s.operatorSessions[id]?.operatorID == operatorID else { return false }
            s.operatorSessions[id] = nil
            if let audit { Self.append(audit, key: key, to: &s) }
            return true
        }
    }

    public func deleteExpiredSessions(operatorID: UUID, now: Date) async throws {
        write { s in s.operatorSessions = s.operatorSessions.filter { $0.value.operatorID != operatorID || !$0.value.isExpired(at: now) } }
    }

    /// The single-use guard of a TOTP step (see ``OperatorStore``), inside a write.
    static func useStep(_ operatorID: UUID, step: Int64, seenFailCount: Int, now: Date, in s: inout State) -> Bool {
        guard var op = s.operators[operatorID], op.state == .active, (op.lastTOTPStep ?? Int64.min) < step,
              op.failCount == seenFailCount, !op.isThrottled(at: now) else { return false }
        op.lastTOTPStep = step; op.failCount = 0; op.throttledUntil = nil
        s.operators[operatorID] = op
        return true
    }
}
