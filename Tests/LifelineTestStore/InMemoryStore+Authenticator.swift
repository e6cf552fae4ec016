import Foundation
import LifelineCore

/// The Authenticator's rows in memory (``InMemoryStore/State/authenticator``).
struct AuthenticatorState: Sendable {
    var activations: [UUID: AuthenticatorActivation] = [:]
    var devices: [UUID: AuthenticatorDevice] = [:]
    var links: [UUID: AuthenticatorLink] = [:]
    var challenges: [String: AuthenticatorChallenge] = [:]
    /// By link id.
    var onlineCodes: [UUID: AuthenticatorOnlineCode] = [:]
    /// By "tenantID userID".
    var ubcs: [String: AuthenticatorUBC] = [:]
    var pinResets: [String: AuthenticatorPINReset] = [:]

    static func key(_ tenantID: UUID, _ userID: UUID) -> String { tenantID.uuidString + " " + userID.uuidString }

    func links(of deviceID: UUID) -> [AuthenticatorLink] {
        links.values.filter { $0.deviceID == deviceID }.sorted { ($0.createdAt, $0.id.uuidString) < ($1.createdAt, $1.id.uuidString) }
    }

    func liveLink(tenantID: UUID, userID: UUID) -> AuthenticatorLink? {
        links.values.first { $0.tenantID == tenantID && $0.userID == userID && $0.state != .deactivated }
    }

    mutating func block(_ id: UUID, reason: AuthenticatorBlockReason, now: Date) {
        links[id]?.state = .blocked; links[id]?.blockedReason = reason; links[id]?.blockedAt = now
        onlineCodes[id] = nil
    }
}

/// Faithful to ``AuthenticatorStore``'s contract: each write runs under the store's one lock on a copy of the state
/// (all or nothing), so its conditions are checked and its changes made atomically, as the SQL store's conditional
/// UPDATEs do.
extension InMemoryStore: AuthenticatorStore {
    public func insertActivation(_ activation: AuthenticatorActivation, audit: AuditRecord) async throws {
        let key = try await auditKey()
        try write { s in
            guard !s.authenticator.activations.values.contains(where: { $0.codeHash == activation.codeHash }),
                  s.authenticator.activations[activation.id] == nil else { throw LifelineError(.conflict, "duplicate activation") }
            guard s.users[activation.userID] != nil else { throw LifelineError(.integrity, "no such user (foreign key)") }
            s.authenticator.activations[activation.id] = activation
            Self.append(audit, key: key, to: &s)
        }
    }

    public func activation(codeHash: String) async throws -> AuthenticatorActivation? {
        read { $0.authenticator.activations.values.first { $0.codeHash == codeHash } }
    }

    public func completeActivation(_ enrolment: AuthenticatorEnrolment, now: Date, maxPINFailures: Int, outboxIfReplaced: [OutboxMessage],
                                   audit: [AuditRecord]) async throws -> AuthenticatorEnrolmentResult {
        let key = try await auditKey()
        return try write { s -> AuthenticatorEnrolmentResult in
            guard var activation = s.authenticator.activations[enrolment.activationID], activation.usedAt == nil, activation.expiresAt > now else {
                return .activationUnusable
            }
            let link = enrolment.link
            if let device = enrolment.newDevice {
                guard s.authenticator.devices[device.id] == nil, device.id == link.deviceID else { throw LifelineError(.integrity, "duplicate device") }
                s.authenticator.devices[device.id] = device
            } else {
                // Checked before anything is changed: a returned result (unlike a throw) keeps the changes made so far.
                guard var device = s.authenticator.devices[link.deviceID] else { throw LifelineError(.integrity, "no such device (foreign key)") }
                guard device.pinFailures < maxPINFailures, !AuthenticatorLink.pinBlocked(s.authenticator.links(of: device.id)) else {
                    return .pinBlocked
                }
                device.pinFailures = 0
                device.lastSeenAt = max(device.lastSeenAt ?? now, now)
                s.authenticator.devices[device.id] = device
            }
            activation.usedAt = now
            s.authenticator.activations[activation.id] = activation
            var replaced: [UUID] = []
            for (id, l) in s.authenticator.links where l.state != .deactivated
                && l.tenantID == link.tenantID && (l.userID == link.userID || l.deviceID == link.deviceID) {
                s.authenticator.links[id]?.state = .deactivated
                s.authenticator.links[id]?.deactivatedAt = now
                s.authenticator.onlineCodes[id] = nil
                replaced.append(id)
            }
            guard s.authenticator.links[link.id] == nil else { throw LifelineError(.integrity, "duplicate link") }
            s.authenticator.links[link.id] = link
            if !replaced.isEmpty { s.outbox += outboxIfReplaced }
            for r in audit { Self.append(r, key: key, to: &s) }
            return .done(replaced: replaced.sorted { $0.uuidString < $1.uuidString })
        }
    }

    public func authenticatorDevice(id: UUID) async throws -> AuthenticatorDevice? { read { $0.authenticator.devices[id] } }

    public func authenticatorLinks(deviceID: UUID) async throws -> [AuthenticatorLink] { read { $0.authenticator.links(of: deviceID) } }

    public func authenticatorLinks(tenantID: UUID, userID: UUID) async throws -> [(link: AuthenticatorLink, device: AuthenticatorDevice)] {
        read { s in
            s.authenticator.links.values.filter { $0.tenantID == tenantID && $0.userID == userID }
                .sorted { ($0.createdAt, $0.id.uuidString) > ($1.createdAt, $1.id.uuidString) }
                .compactMap { l in s.authenticator.devices[l.deviceID].map { (link: l, device: $0) } }
        }
    }

    public func currentAuthenticator(tenantID: UUID, userID: UUID) async throws -> AuthenticatorCurrent? {
        read { s in
            guard let link = s.authenticator.liveLink(tenantID: tenantID, userID: userID),
                  let device = s.authenticator.devices[link.deviceID] else { return nil }
            return AuthenticatorCurrent(link: link, device: device, deviceLinks: s.authenticator.links(of: device.id),
                                        ubc: s.authenticator.ubcs[AuthenticatorState.key(tenantID, userID)],
                                        onlineCode: s.authenticator.onlineCodes[link.id])
        }
    }

    public func touchDevice(id: UUID, at: Date) async throws {
        write { s in
            guard let d = s.authenticator.devices[id], (d.lastSeenAt ?? .distantPast) < at else { return }
            s.authenticator.devices[id]?.lastSeenAt = at
        }
    }

    public func insertChallenge(_ challenge: AuthenticatorChallenge, now: Date) async throws {
        await Task.yield()
        write { s in
            s.authenticator.challenges = s.authenticator.challenges.filter { $0.value.expiresAt > now }
            s.authenticator.challenges[challenge.hash] = challenge
        }
    }

    public func takeChallenge(hash: String, deviceID: UUID, now: Date) async throws -> Bool {
        // Why a yield: a database take suspends; without one, racing callers would run one after another here and a
        // store without the single-use guard could pass the race tests.
        await Task.yield()
        return write { s in
            guard let c = s.authenticator.challenges[hash], c.deviceID == deviceID, c.expiresAt > now else { return false }
            s.authenticator.challenges[hash] = nil
            return true
        }
    }

    public func recordWrongPIN(deviceID: UUID, maxFailures: Int, now: Date, audit: AuditRecord, blockAudit: [AuditRecord]) async throws -> AuthenticatorPINCount? {
        let key = try await auditKey()
        return write { s -> AuthenticatorPINCount? in
            guard var device = s.authenticator.devices[deviceID], device.pinFailures < maxFailures else { return nil }
            device.pinFailures += 1
            s.authenticator.devices[deviceID] = device
            Self.append(audit, key: key, to: &s)
            let blocked = device.pinFailures >= maxFailures
            if blocked {
                for l in s.authenticator.links(of: deviceID) where l.state == .active { s.authenticator.block(l.id, reason: .pinFailures, now: now) }
                for r in blockAudit { Self.append(r, key: key, to: &s) }
            }
            return AuthenticatorPINCount(failures: device.pinFailures, blocked: blocked)
        }
    }

    public func issueOnlineCode(_ code: AuthenticatorOnlineCode, deviceID: UUID, maxPINFailures: Int, now: Date, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard let link = s.authenticator.links[code.linkID], link.deviceID == deviceID, link.state == .active,
                  let device = s.authenticator.devices[deviceID], device.pinFailures < maxPINFailures else { return false }
            s.authenticator.devices[deviceID]?.pinFailures = 0
            s.authenticator.devices[deviceID]?.lastSeenAt = now
            var fresh = code
            fresh.usedAt = nil
            s.authenticator.onlineCodes[code.linkID] = fresh
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func consumeOnlineCode(linkID: UUID, codeHash: String, now: Date, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard let code = s.authenticator.onlineCodes[linkID], code.codeHash == codeHash, code.usable(at: now),
                  s.authenticator.links[linkID]?.state == .active else { return false }
            // Marked used, not deleted: a replay must still be recognised as this code.
            s.authenticator.onlineCodes[linkID]?.usedAt = now
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func consumeOfflineStep(linkID: UUID, step: Int64, maxPINFailures: Int, now: Date, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard let link = s.authenticator.links[linkID], link.state == .active, (link.lastStep ?? Int64.min) < step,
                  let device = s.authenticator.devices[link.deviceID], device.pinFailures < maxPINFailures else { return false }
            s.authenticator.links[linkID]?.lastStep = step
            s.authenticator.devices[device.id]?.pinFailures = 0
            s.authenticator.devices[device.id]?.lastSeenAt = now
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func setPIN(_ change: AuthenticatorPINChange, maxUBCFailures: Int, now: Date, outbox: [OutboxMessage], audit: [AuditRecord]) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard let link = s.authenticator.links[change.linkID], link.deviceID == change.deviceID, link.state != .deactivated,
                  s.authenticator.devices[change.deviceID] != nil else { return false }
            if let step = change.step, (link.lastStep ?? Int64.min) >= step { return false }
            let k = AuthenticatorState.key(link.tenantID, link.userID)
            switch change.authority {
            case .ubc(let id):
                guard let ubc = s.authenticator.ubcs[k], ubc.id == id, ubc.expiresAt > now, ubc.failures < maxUBCFailures else { return false }
                s.authenticator.ubcs[k] = nil
            case .operatorReset:
                guard let reset = s.authenticator.pinResets[k], reset.openUntil > now else { return false }
                s.authenticator.pinResets[k] = nil
            }
            s.authenticator.devices[change.deviceID]?.pinVerifier = change.pinVerifier
            s.authenticator.devices[change.deviceID]?.pinLength = change.pinLength
            s.authenticator.devices[change.deviceID]?.pinFailures = 0
            s.authenticator.devices[change.deviceID]?.lastSeenAt = now
            s.authenticator.links[link.id]?.state = .active
            s.authenticator.links[link.id]?.blockedReason = nil
            s.authenticator.links[link.id]?.blockedAt = nil
            if let step = change.step { s.authenticator.links[link.id]?.lastStep = step }
            s.outbox += outbox
            for r in audit { Self.append(r, key: key, to: &s) }
            return true
        }
    }

    public func blockLink(tenantID: UUID, userID: UUID, now: Date, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard let link = s.authenticator.liveLink(tenantID: tenantID, userID: userID), link.state == .active else { return false }
            s.authenticator.block(link.id, reason: .operatorBlock, now: now)
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func putUBC(_ ubc: AuthenticatorUBC, audit: AuditRecord) async throws {
        let key = try await auditKey()
        write { s in
            s.authenticator.ubcs[AuthenticatorState.key(ubc.tenantID, ubc.userID)] = ubc
            Self.append(audit, key: key, to: &s)
        }
    }

    public func authenticatorUBC(tenantID: UUID, userID: UUID) async throws -> AuthenticatorUBC? {
        read { $0.authenticator.ubcs[AuthenticatorState.key(tenantID, userID)] }
    }

    public func countUBCFailure(id: UUID, maxFailures: Int, now: Date, audit: AuditRecord, blockAudit: [AuditRecord]) async throws -> Int? {
        let key = try await auditKey()
        return write { s -> Int? in
            guard let (k, ubc) = s.authenticator.ubcs.first(where: { $0.value.id == id }), ubc.expiresAt > now, ubc.failures < maxFailures else { return nil }
            s.authenticator.ubcs[k]?.failures = ubc.failures + 1
            Self.append(audit, key: key, to: &s)
            if ubc.failures + 1 >= maxFailures { for r in blockAudit { Self.append(r, key: key, to: &s) } }
            return ubc.failures + 1
        }
    }

    public func putPINReset(_ reset: AuthenticatorPINReset, audit: AuditRecord) async throws {
        let key = try await auditKey()
        write { s in
            s.authenticator.pinResets[AuthenticatorState.key(reset.tenantID, reset.userID)] = reset
            Self.append(audit, key: key, to: &s)
        }
    }

    public func pinReset(tenantID: UUID, userID: UUID) async throws -> AuthenticatorPINReset? {
        read { $0.authenticator.pinResets[AuthenticatorState.key(tenantID, userID)] }
    }
}
