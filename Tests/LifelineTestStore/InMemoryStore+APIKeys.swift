import Foundation
import LifelineCore

extension InMemoryStore: APIKeyStore {
    public func insertAPIKey(_ apiKey: APIKey, audit: AuditRecord) async throws {
        let key = try await auditKey()
        try write { s in
            guard s.apiKeys[apiKey.id] == nil else { throw LifelineError(.conflict, "an API key with this id exists") }
            s.apiKeys[apiKey.id] = apiKey
            Self.append(audit, key: key, to: &s)
        }
    }

    public func apiKey(id: String) async throws -> APIKey? { read { $0.apiKeys[id] } }

    public func apiKeys(tenantID: UUID?) async throws -> [APIKey] {
        read { s in s.apiKeys.values.filter { tenantID == nil || $0.tenantID == tenantID }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } }
    }

    public func revokeAPIKey(id: String, at: Date, audit: AuditRecord) async throws -> (key: APIKey, revoked: Bool)? {
        let key = try await auditKey()
        return write { s in
            guard var k = s.apiKeys[id] else { return nil }
            guard k.revokedAt == nil else { return (k, false) }
            k.revokedAt = at
            s.apiKeys[id] = k
            Self.append(audit, key: key, to: &s)
            return (k, true)
        }
    }

    public func recordAPIKeyUse(_ apiKey: APIKey, at: Date) async throws {
        write { s in s.apiKeys[apiKey.id]?.lastUsedAt = at }
    }
}
