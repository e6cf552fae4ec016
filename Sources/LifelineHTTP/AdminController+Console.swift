import Foundation
import Hummingbird
import LifelineCore
import NIOCore

/// The admin API of the console's read pages (issue 15): user search, user details, dashboard figures, the filtered
/// audit log with its chain state and CSV export, and the recovery configuration as YAML (check and apply).
struct AdminConsoleController {
    let console: ConsoleService

    struct HitOut: Encodable {
        let tenant: String, username: String, displayName: String, status: String
        init(_ h: UserSearch.Hit) { tenant = h.tenantName; username = h.user.username; displayName = h.user.displayName; status = h.user.status.rawValue }
    }

    struct TokenStatusOut: Encodable {
        let token: DTO.TokenOut, display: String, lastUseAt: Date?
        enum K: String, CodingKey { case token, display_state, last_use_at }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(token, forKey: .token)
            try c.encode(display, forKey: .display_state)
            try c.encodeOrNull(lastUseAt, forKey: .last_use_at)
        }
        init(_ s: TokenStatus, tenant: String, username: String) {
            token = DTO.TokenOut(t: s.token, tenant: tenant, username: username); display = s.display.rawValue; lastUseAt = s.lastUse
        }
    }

    /// The details; a part the caller may not read is null.
    struct DetailsOut: Encodable {
        let d: UserDetails
        enum K: String, CodingKey { case user, contacts, tokens, cards, emergency_code, recovery_codes, events }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            let tenant = d.tenant.name, username = d.user.username
            try c.encode(DTO.UserOut(d.user, tenant: d.tenant), forKey: .user)
            try c.encode(d.contacts.map(DTO.ContactOut.init), forKey: .contacts)
            try c.encodeOrNull(d.tokens?.map { TokenStatusOut($0, tenant: tenant, username: username) }, forKey: .tokens)
            try c.encodeOrNull(d.cards?.map { AdminCardController.CardOut($0, tenant: tenant, username: username) }, forKey: .cards)
            try c.encodeOrNull(d.emergencyCode.map { AdminEmergencyCodeController.StateOut(s: $0, tenant: tenant, username: username) }, forKey: .emergency_code)
            try c.encodeOrNull(d.recoveryCodes.map { AdminRecoveryCodeController.SetOut(set: $0, tenant: tenant, username: username) }, forKey: .recovery_codes)
            try c.encodeOrNull(d.events?.map(DTO.AuditEventOut.init), forKey: .events)
        }
    }

    struct ChainOut: Encodable {
        let state: String, events: Int?, chain: String?, seq: Int64?, reason: String?
        init(_ s: AuditChainState) {
            switch s {
            case .verified(let n): (state, events, chain, seq, reason) = ("verified", n, nil, nil, nil)
            case .broken(let c, let q, let r): (state, events, chain, seq, reason) = ("broken", nil, c, q, r)
            case .unknown: (state, events, chain, seq, reason) = ("unknown", nil, nil, nil, nil)
            }
        }
    }

    struct AuditPageOut: Encodable { let events: [DTO.AuditEventOut]; let page: Int; let hasMore: Bool; let chain: ChainOut }

    struct DashboardOut: Encodable {
        struct Hour: Encodable { let hour: Date; let count: Int }
        struct Attention: Encodable { let kind: String; let count: Int; let detail: String }
        let recentRecoveries: [DTO.AuditEventOut]
        let attentionTokens: [TokenStatusOut]
        let failedFlowsPerHour: [Hour]
        let needsAttention: [Attention]
        init(_ d: Dashboard) {
            recentRecoveries = d.recentRecoveries.map(DTO.AuditEventOut.init)
            attentionTokens = d.attentionTokens.map { TokenStatusOut($0.status, tenant: $0.tenant, username: $0.username) }
            failedFlowsPerHour = d.failedFlowsPerHour.map { Hour(hour: $0.hour, count: $0.count) }
            needsAttention = d.needsAttention.map { Attention(kind: $0.kind.rawValue, count: $0.count, detail: $0.detail) }
        }
    }

    struct YAMLIn: Decodable { let yaml: String }
    struct YAMLOut: Encodable { let tenant: String; let yaml: String }
    struct DiffLineOut: Encodable { let kind: String; let text: String }
    struct CheckOut: Encodable { let valid: Bool; let problems: [String]; let changed: Bool; let diff: [DiffLineOut] }
    struct ApplyOut: Encodable { let changed: Bool }

    /// The audit query from `from`, `to` (RFC 3339), `event`, `actor`, `subject`, `outcome`, `tenant`, `page`.
    static func auditQuery(_ request: Request) throws -> AuditQuery {
        let p = request.uri.queryParameters
        var q = AuditQuery()
        func text(_ name: String) -> String? { p.get(name).flatMap { $0.isEmpty ? nil : String($0) } }
        func date(_ name: String) throws -> Date? {
            guard let raw = text(name) else { return nil }
            guard let d = ConsoleDates.parse(raw) else { throw APIError(.badRequest, "invalid_request", "\(name) must be an RFC 3339 time or a date (YYYY-MM-DD)") }
            return d
        }
        q.from = try date("from"); q.to = try date("to")
        q.event = text("event"); q.actor = text("actor"); q.subject = text("subject"); q.outcome = text("outcome"); q.tenant = text("tenant")
        if let page = text("page") {
            guard let n = Int(page) else { throw APIError(.badRequest, "invalid_request", "page must be an integer") }
            q.page = n
        }
        return q
    }

    /// Whether the client asked for CSV: `?format=csv` or `Accept: text/csv`.
    static func wantsCSV(_ request: Request) -> Bool {
        if request.uri.queryParameters.get("format") == "csv" { return true }
        return request.headers[.accept]?.lowercased().contains("text/csv") ?? false
    }

    static func csvResponse(_ csv: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"audit.csv\""],
                 body: .init(byteBuffer: ByteBuffer(string: csv)))
    }

    func addRoutes(to group: RouterGroup<AuthenticatedRequestContext>) {
        group.get("/users") { request, context in
            guard let q = request.uri.queryParameters.get("q") else { throw APIError(.badRequest, "invalid_request", "q is required") }
            let hits = try await console.searchUsers(String(q), caller: context.principal)
            return try JSON.response(["users": hits.map(HitOut.init)])
        }
        group.get("/tenants/:tenant/users/:username/details") { _, context in
            let details = try await console.userDetails(tenantName: try context.parameters.require("tenant"),
                                                        username: try context.parameters.require("username"), caller: context.principal)
            return try JSON.response(DetailsOut(d: details))
        }
        group.get("/dashboard") { _, context in
            try JSON.response(DashboardOut(try await console.dashboard(caller: context.principal)))
        }
        group.get("/audit/events") { request, context in
            let query = try Self.auditQuery(request)
            if Self.wantsCSV(request) { return Self.csvResponse(try await console.auditCSV(query, caller: context.principal)) }
            let page = try await console.auditLog(query, caller: context.principal)
            return try JSON.response(AuditPageOut(events: page.events.map(DTO.AuditEventOut.init), page: page.page, hasMore: page.hasMore,
                                                  chain: ChainOut(page.chain)))
        }
        group.get("/audit/chain") { _, context in
            try JSON.response(ChainOut(try await console.auditChainState(caller: context.principal)))
        }
        group.get("/tenants/:tenant/recovery/yaml") { _, context in
            let (tenant, text) = try await console.settings(tenantName: try context.parameters.require("tenant"), caller: context.principal)
            return try JSON.response(YAMLOut(tenant: tenant.name, yaml: text))
        }
        group.post("/tenants/:tenant/recovery/yaml/check") { request, context in
            let input = try await JSON.decode(YAMLIn.self, from: request)
            let check = try await console.checkSettings(tenantName: try context.parameters.require("tenant"), text: input.yaml, caller: context.principal)
            return try JSON.response(CheckOut(valid: check.problems.isEmpty, problems: check.problems, changed: check.changed,
                                              diff: check.diff.map { DiffLineOut(kind: $0.kind.rawValue, text: $0.text) }))
        }
        group.put("/tenants/:tenant/recovery/yaml") { request, context in
            let input = try await JSON.decode(YAMLIn.self, from: request)
            let changed = try await console.applySettings(tenantName: try context.parameters.require("tenant"), text: input.yaml, caller: context.principal)
            return try JSON.response(ApplyOut(changed: changed))
        }
    }
}

/// The times the console's filters accept: RFC 3339 (`2026-12-07T18:00:00Z`) or a day (`2026-12-07`, UTC midnight).
enum ConsoleDates {
    static func parse(_ raw: String) -> Date? {
        if let d = try? Date(raw, strategy: .iso8601) { return d }
        if let d = try? Date(raw + "T00:00:00Z", strategy: .iso8601) { return d }
        return nil
    }
}

extension KeyedEncodingContainer {
    /// `value`, or an explicit null (the API document promises the key).
    fileprivate mutating func encodeOrNull<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
