import Foundation
import LifelineCore

extension InMemoryStore: TokenStore {
    static func sortedTokens(_ tokens: some Sequence<StoredToken>) -> [StoredToken] {
        tokens.sorted { ($0.token.createdAt, $0.token.id.uuidString) < ($1.token.createdAt, $1.token.id.uuidString) }
    }

    public func storedTokens(userID: UUID) async throws -> [StoredToken] {
        read { Self.sortedTokens($0.tokens.values.filter { $0.token.userID == userID }) }
    }

    public func userAndTokens(tenantID: UUID, username: String) async throws -> (user: User, tokens: [StoredToken])? {
        let key = Validation.usernameKey(username)
        return read { s in
            guard let user = s.users.values.first(where: { $0.tenantID == tenantID && $0.usernameKey == key }) else { return nil }
            return (user, Self.sortedTokens(s.tokens.values.filter { $0.token.userID == user.id }))
        }
    }

    public func storedToken(id: UUID, tenantID: UUID) async throws -> StoredToken? {
        read { s in s.tokens[id].flatMap { $0.token.tenantID == tenantID ? $0 : nil } }
    }

    public func tokens(tenantID: UUID, userID: UUID?) async throws -> [Token] {
        read { s in Self.sortedTokens(s.tokens.values.filter { $0.token.tenantID == tenantID && (userID == nil || $0.token.userID == userID) }).map(\.token) }
    }

    public func consume(tokenID: UUID, step: Int64, drift: Int64, seenFailCount: Int, now: Date, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            // The single-use guard and the compare-and-set on the fail counter (TokenStore.consume).
            guard var t = s.tokens[tokenID], t.token.state == .active, (t.token.lastUsed.map { $0 < step } ?? true),
                  t.token.failCount == seenFailCount, (t.token.throttledUntil.map { $0 <= now } ?? true),
                  !t.token.isPINBlocked else { return false }
            t.token.lastUsed = step; t.token.drift = drift; t.token.failCount = 0; t.token.throttledUntil = nil
            t.token.pinFailCount = 0
            if t.token.type == .hotp { t.token.counter = step + 1 }
            s.tokens[tokenID] = t
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func recordFailure(_ failures: [TokenFailure], audit: AuditRecord) async throws {
        let key = try await auditKey()
        write { s in
            for f in failures {
                if f.wrongPIN {
                    // An increment capped at the limit (TokenStore.recordFailure).
                    guard var t = s.tokens[f.tokenID], t.token.state == .active, t.pin != nil,
                          t.token.pinFailCount < TokenPIN.maxFailures else { continue }
                    t.token.pinFailCount += 1
                    s.tokens[f.tokenID] = t
                    continue
                }
                guard var t = s.tokens[f.tokenID], t.token.state == .active, t.token.failCount == f.seenFailCount else { continue }
                t.token.failCount = f.seenFailCount + 1
                t.token.throttledUntil = f.throttledUntil
                if f.lock { t.token.state = .locked }
                s.tokens[f.tokenID] = t
            }
            Self.append(audit, key: key, to: &s)
        }
    }

    public func resync(tokenID: UUID, step: Int64, drift: Int64, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard var t = s.tokens[tokenID], (t.token.lastUsed.map { $0 < step } ?? true) else { return false }
            t.token.lastUsed = step; t.token.drift = drift
            if t.token.type == .hotp { t.token.counter = step + 1 }
            s.tokens[tokenID] = t
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func setPIN(tokenID: UUID, tenantID: UUID, pin: TokenPINVerifier?, audit: AuditRecord) async throws -> Token? {
        let key = try await auditKey()
        return write { s in
            guard var t = s.tokens[tokenID], t.token.tenantID == tenantID else { return nil }
            t.pin = pin; t.token.hasPIN = pin != nil; t.token.pinFailCount = 0
            s.tokens[tokenID] = t
            Self.append(audit, key: key, to: &s)
            return t.token
        }
    }

    public func deleteToken(id: UUID, tenantID: UUID, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard s.tokens[id]?.token.tenantID == tenantID else { return false }
            s.tokens[id] = nil
            s.lostTokens[id] = nil
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func sealedSecrets() async throws -> [(id: UUID, secret: SealedSecret)] {
        read { $0.tokens.values.sorted { $0.token.id.uuidString < $1.token.id.uuidString }.map { ($0.token.id, $0.secret) } }
    }

    public func reseal(tokenID: UUID, old: SealedSecret, new: SealedSecret) async throws -> Bool {
        write { s in
            guard var t = s.tokens[tokenID], t.secret == old else { return false }
            t.secret = new
            s.tokens[tokenID] = t
            return true
        }
    }
}
