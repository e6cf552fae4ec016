import Foundation
import LifelineCore

// PLACEHOLDER until H3's SQL implementation of the port lands (issue 16): it lets the server build with the port in
// `LifelineStorage`. Every method refuses with `actionUnavailable`. H3: DELETE THIS FILE when adding SQLStore+Authenticator.
extension SQLStore: AuthenticatorStore {
    public func insertActivation(_ activation: AuthenticatorActivation, audit: AuditRecord) async throws {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func activation(codeHash: String) async throws -> AuthenticatorActivation? {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func completeActivation(_ enrolment: AuthenticatorEnrolment, now: Date, maxPINFailures: Int, outboxIfReplaced: [OutboxMessage], audit: [AuditRecord]) async throws -> AuthenticatorEnrolmentResult {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func authenticatorDevice(id: UUID) async throws -> AuthenticatorDevice? {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func authenticatorLinks(deviceID: UUID) async throws -> [AuthenticatorLink] {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func authenticatorLinks(tenantID: UUID, userID: UUID) async throws -> [(link: AuthenticatorLink, device: AuthenticatorDevice)] {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func currentAuthenticator(tenantID: UUID, userID: UUID) async throws -> AuthenticatorCurrent? {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func touchDevice(id: UUID, at: Date) async throws {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func insertChallenge(_ challenge: AuthenticatorChallenge, now: Date) async throws {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func takeChallenge(hash: String, deviceID: UUID, now: Date) async throws -> Bool {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func recordWrongPIN(deviceID: UUID, maxFailures: Int, now: Date, audit: AuditRecord, blockAudit: [AuditRecord]) async throws -> AuthenticatorPINCount? {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func issueOnlineCode(_ code: AuthenticatorOnlineCode, deviceID: UUID, maxPINFailures: Int, now: Date, audit: AuditRecord) async throws -> Bool {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func consumeOnlineCode(linkID: UUID, codeHash: String, now: Date, audit: AuditRecord) async throws -> Bool {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func consumeOfflineStep(linkID: UUID, step: Int64, maxPINFailures: Int, now: Date, audit: AuditRecord) async throws -> Bool {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func setPIN(_ change: AuthenticatorPINChange, maxUBCFailures: Int, now: Date, outbox: [OutboxMessage], audit: [AuditRecord]) async throws -> Bool {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func blockLink(tenantID: UUID, userID: UUID, now: Date, audit: AuditRecord) async throws -> Bool {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func putUBC(_ ubc: AuthenticatorUBC, audit: AuditRecord) async throws {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func authenticatorUBC(tenantID: UUID, userID: UUID) async throws -> AuthenticatorUBC? {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func countUBCFailure(id: UUID, maxFailures: Int, now: Date, audit: AuditRecord, blockAudit: [AuditRecord]) async throws -> Int? {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func putPINReset(_ reset: AuthenticatorPINReset, audit: AuditRecord) async throws {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
    public func pinReset(tenantID: UUID, userID: UUID) async throws -> AuthenticatorPINReset? {
        throw LifelineError(.actionUnavailable, "the Authenticator store is not built yet")
    }
}
