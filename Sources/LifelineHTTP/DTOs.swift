import Foundation
import LifelineCore

/// The JSON shapes of the API (see docs/openapi.yaml). Keys are snake_cased by the encoder.
enum DTO {
    struct TenantOut: Encodable {
        let id: String, name: String, displayName: String, createdAt: Date
        init(_ t: Tenant) { id = t.id.uuidString.lowercased(); name = t.name; displayName = t.displayName; createdAt = t.createdAt }
    }

    struct UserOut: Encodable {
        let id: String, tenant: String, username: String, displayName: String, status: String, language: String, createdAt: Date
        init(_ u: User, tenant: Tenant) {
            id = u.id.uuidString.lowercased(); self.tenant = tenant.name; username = u.username; displayName = u.displayName
            status = u.status.rawValue; language = u.language; createdAt = u.createdAt
        }
    }

    struct ContactOut: Encodable {
        let id: String, kind: String, value: String, verified: Bool, createdAt: Date
        init(_ c: Contact) { id = c.id.uuidString.lowercased(); kind = c.kind.rawValue; value = c.value; verified = c.verified; createdAt = c.createdAt }
    }

    /// A token; `period`, `last_used` and `throttled_until` are written as explicit nulls, as the API document promises.
    struct TokenOut: Encodable {
        let t: Token, tenant: String, username: String
        enum K: String, CodingKey {
            case id, tenant, username, type, algorithm, digits, period, state, fail_count, max_fail, throttled_until, drift, counter, last_used, label
            case created_at, has_pin, pin_fail_count, pin_blocked
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(t.id.uuidString.lowercased(), forKey: .id)
            try c.encode(tenant, forKey: .tenant)
            try c.encode(username, forKey: .username)
            try c.encode(t.type.rawValue, forKey: .type)
            try c.encode(t.algorithm.rawValue, forKey: .algorithm)
            try c.encode(t.digits, forKey: .digits)
            if let p = t.period { try c.encode(p, forKey: .period) } else { try c.encodeNil(forKey: .period) }
            try c.encode(t.state.rawValue, forKey: .state)
            try c.encode(t.failCount, forKey: .fail_count)
            try c.encode(t.maxFail, forKey: .max_fail)
            // Shown also once passed, so an administrator sees the last throttle; "throttled" means it is in the future.
            if let u = t.throttledUntil { try c.encode(u, forKey: .throttled_until) } else { try c.encodeNil(forKey: .throttled_until) }
            try c.encode(t.drift, forKey: .drift)
            try c.encode(t.counter, forKey: .counter)
            if let l = t.lastUsed { try c.encode(l, forKey: .last_used) } else { try c.encodeNil(forKey: .last_used) }
            try c.encode(t.label, forKey: .label)
            try c.encode(t.createdAt, forKey: .created_at)
            try c.encode(t.hasPIN, forKey: .has_pin)
            try c.encode(t.pinFailCount, forKey: .pin_fail_count)
            try c.encode(t.isPINBlocked, forKey: .pin_blocked)
        }
    }

    struct AuditEventOut: Encodable {
        let e: AuditEvent
        enum K: String, CodingKey { case chain, seq, time, tenant, actor, subject, event, outcome, reason, source }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(e.chain, forKey: .chain)
            try c.encode(e.seq, forKey: .seq)
            try c.encode(e.record.time, forKey: .time)
            if let t = e.record.tenant { try c.encode(t, forKey: .tenant) } else { try c.encodeNil(forKey: .tenant) }
            try c.encode(e.record.actor, forKey: .actor)
            try c.encode(e.record.subject, forKey: .subject)
            try c.encode(e.record.event, forKey: .event)
            try c.encode(e.record.outcome, forKey: .outcome)
            try c.encode(e.record.reason, forKey: .reason)
            try c.encode(e.record.source, forKey: .source)
        }
    }

    struct ValidateIn: FlatJSONDecodable {
        let tenant: String; let username: String; let code: String
        /// The PIN of a token with one, given apart from the OTP in `code` (else `code` is PIN ‖ OTP).
        let pin: String?
        init?(flatJSON fields: [String: String]) {
            guard let tenant = fields["tenant"], let username = fields["username"], let code = fields["code"] else { return nil }
            self.tenant = tenant; self.username = username; self.code = code; self.pin = fields["pin"]
        }
    }
    /// `PUT /tokens/{id}/pin`.
    struct TokenPINIn: Decodable { let pin: String }
    struct CheckIn: Decodable { let code: String }
    struct ResyncIn: Decodable { let code1: String; let code2: String }
    struct ResultOut: Encodable { let result: String }
    struct TenantIn: Decodable { let name: String; let displayName: String? }
    struct UserIn: Decodable { let username: String; let displayName: String?; let language: String?; let status: UserStatus? }
    struct UserPatchIn: Decodable { let displayName: String?; let status: UserStatus?; let language: String? }
    struct ContactIn: Decodable { let kind: ContactKind; let value: String; let verified: Bool? }
    struct TokenIn: Decodable {
        let type: TokenType; let secret: String?; let algorithm: OTPAlgorithm?; let digits: Int?; let period: Int?
        let counter: Int64?; let label: String?
        /// The token's PIN (4–8 digits; validate then takes PIN ‖ OTP).
        let pin: String?
    }
    struct EnrollmentOut: Encodable { let token: TokenOut; let otpauthUri: String }

    /// The body of an action: a flat object of strings; which fields an action reads is its own rule.
    struct ActionIn: Decodable {
        var strings: [String: String] = [:]
        /// Keys whose value is neither a string nor null.
        var otherTypes: Set<String> = []

        init() {}

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: AnyKey.self)
            for key in c.allKeys {
                // The decoder converted the key from snake_case; the actions' field names are snake_case.
                let name = key.stringValue.snakeCased
                if try c.decodeNil(forKey: key) { continue }
                if let value = try? c.decode(String.self, forKey: key) { strings[name] = value } else { otherTypes.insert(name) }
            }
        }

        /// The input for an action. A field of any action that is not a string is `invalid_json`, as for any body of
        /// the wrong shape; other keys are ignored.
        func input(fieldNames: Set<String>) throws -> ActionInput {
            guard otherTypes.isDisjoint(with: fieldNames) else {
                throw APIError(.badRequest, "invalid_json", "the request body is not valid JSON of the expected shape")
            }
            return ActionInput(strings.filter { fieldNames.contains($0.key) })
        }
    }

    /// What an action did: `result` names it, `redirect_to` and the action's items complete it (keys sorted by the encoder).
    struct ActionOut: Encodable {
        let result: ActionResult
        init(_ result: ActionResult) { self.result = result }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: AnyKey.self)
            try c.encode(result.result, forKey: AnyKey("result"))
            if let url = result.redirect { try c.encode(url, forKey: AnyKey("redirect_to")) }
            for item in result.items {
                switch item.value {
                case .text(let s): try c.encode(s, forKey: AnyKey(item.key))
                case .number(let n): try c.encode(n, forKey: AnyKey(item.key))
                case .time(let d): try c.encode(d, forKey: AnyKey(item.key))
                case .texts(let list): try c.encode(list, forKey: AnyKey(item.key))
                }
            }
        }
    }

    /// A coding key by name.
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
