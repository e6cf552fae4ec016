import Foundation
import LifelineCore

/// The JSON shapes of ``AdminOfflineController`` (docs/openapi.yaml): absent values are explicit nulls.
extension AdminOfflineController {
    /// An agent; `key` only in the answer to its registration (shown once), else null.
    struct AgentOut: Encodable {
        let a: Agent, key: String?
        init(_ a: Agent, key: String?) { self.a = a; self.key = key }
        enum K: String, CodingKey { case id, name, api_key_id, state, created_at, created_by, last_seen_at, revoked_at, key }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(a.id.uuidString.lowercased(), forKey: .id)
            try c.encode(a.name, forKey: .name)
            try c.encode(a.apiKeyID, forKey: .api_key_id)
            try c.encode(a.revokedAt == nil ? "live" : "revoked", forKey: .state)
            try c.encode(a.createdAt, forKey: .created_at)
            try c.encode(a.createdBy, forKey: .created_by)
            try c.nullable(a.lastSeenAt, forKey: .last_seen_at)
            try c.nullable(a.revokedAt, forKey: .revoked_at)
            try c.nullable(key, forKey: .key)
        }
    }

    struct AgentsOut: Encodable { let agents: [AgentOut] }

    /// One window of offline data issued to a machine (never a secret).
    struct WindowOut: Encodable {
        let id: String, agent: String, machine: String, tokenId: String, issuedAt: Date, expiresAt: Date, state: String
        init(_ g: OfflineGrantView) {
            id = g.id.uuidString.lowercased(); agent = g.agentName; machine = g.machine; tokenId = g.tokenID.uuidString.lowercased()
            issuedAt = g.issuedAt; expiresAt = g.expiresAt; state = g.state
        }
    }

    struct WindowsOut: Encodable { let tenant: String, username: String, windows: [WindowOut] }

    struct GroupsOut: Encodable { let tenant: String, username: String, groups: [String] }

    /// A token's offline emergency access tokencodes (secrets: the service audits the read).
    struct EmergencyOut: Encodable {
        let v: OfflineEmergencyView
        init(_ v: OfflineEmergencyView) { self.v = v }
        enum K: String, CodingKey { case token_id, permitted, tokencode, passcode, needs_pin, expires_at, downloaded, online_use }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(v.tokenID.uuidString.lowercased(), forKey: .token_id)
            try c.encode(v.permitted, forKey: .permitted)
            try c.nullable(v.tokencode, forKey: .tokencode)
            try c.nullable(v.passcode, forKey: .passcode)
            try c.encode(v.needsPIN, forKey: .needs_pin)
            try c.nullable(v.expiresAt, forKey: .expires_at)
            try c.encode(v.downloaded, forKey: .downloaded)
            try c.encode(v.onlineUse, forKey: .online_use)
        }
    }
}

private extension KeyedEncodingContainer {
    /// Encodes `value`, or an explicit null when it is nil (the API document lists these fields as required and nullable).
    mutating func nullable<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
