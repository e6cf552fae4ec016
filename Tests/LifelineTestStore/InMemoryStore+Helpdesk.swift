import Foundation
import LifelineCore

/// The helpdesk's rows in memory (``InMemoryStore/State/helpdesk``).
struct HelpdeskState: Sendable {
    /// Caller verifications by "actor\u{0}userID".
    var verifications: [String: CallerVerification] = [:]
    var approvals: [UUID: ApprovalRequest] = [:]
}

extension InMemoryStore: HelpdeskStore {
    private static func key(_ actor: String, _ userID: UUID) -> String { actor + "\u{0}" + userID.uuidString }

    public func putCallerVerification(_ verification: CallerVerification, outbox: [OutboxMessage], audit: AuditRecord) async throws {
        let key = try await auditKey()
        write { s in
            s.helpdesk.verifications[Self.key(verification.actor, verification.userID)] = verification
            s.outbox += outbox
            Self.append(audit, key: key, to: &s)
        }
    }

    public func callerVerification(actor: String, userID: UUID) async throws -> CallerVerification? {
        read { $0.helpdesk.verifications[Self.key(actor, userID)] }
    }

    public func recordCallerAttempt(id: UUID, matched: Bool, now: Date, verifiedUntil: Date, maxAttempts: Int, audit: AuditRecord) async throws -> Int? {
        let key = try await auditKey()
        return write { s -> Int? in
            guard let (k, v) = s.helpdesk.verifications.first(where: { $0.value.id == id }), v.verifiedUntil == nil, v.expiresAt > now,
                  v.attempts < maxAttempts, !v.codeHash.isEmpty else { return nil }
            var next = v
            next.attempts += 1
            if matched { next.verifiedUntil = verifiedUntil; next.codeHash = "" }
            s.helpdesk.verifications[k] = next
            Self.append(audit, key: key, to: &s)
            return next.attempts
        }
    }

    public func insertApprovalRequest(_ request: ApprovalRequest, audit: AuditRecord) async throws {
        let key = try await auditKey()
        try write { s in
            guard s.helpdesk.approvals[request.id] == nil else { throw LifelineError(.conflict, "duplicate approval request") }
            s.helpdesk.approvals[request.id] = request
            Self.append(audit, key: key, to: &s)
        }
    }

    public func approvalRequest(id: UUID) async throws -> ApprovalRequest? { read { $0.helpdesk.approvals[id] } }

    public func approvalRequests(tenantIDs: Set<UUID>?, status: ApprovalStatus?, limit: Int) async throws -> [ApprovalRequest] {
        read { s in
            Array(s.helpdesk.approvals.values
                .filter { (tenantIDs?.contains($0.tenantID) ?? true) && (status == nil || $0.status == status) }
                .sorted { ($0.createdAt, $0.id.uuidString) > ($1.createdAt, $1.id.uuidString) }
                .prefix(limit))
        }
    }

    public func decideApprovalRequest(id: UUID, status: ApprovalStatus, by: String, now: Date, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard var r = s.helpdesk.approvals[id], r.status == .pending, r.expiresAt > now,
                  r.requestedBy != by || status == .rejected else { return false }
            r.status = status; r.decidedBy = by; r.decidedAt = now
            s.helpdesk.approvals[id] = r
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func finishApprovalRequest(id: UUID, status: ApprovalStatus, result: String, outbox: [OutboxMessage], audit: [AuditRecord]) async throws {
        let key = try await auditKey()
        write { s in
            s.helpdesk.approvals[id]?.status = status
            s.helpdesk.approvals[id]?.result = result
            s.outbox += outbox
            for r in audit { Self.append(r, key: key, to: &s) }
        }
    }
}
