import Foundation
import LifelineCore

extension InMemoryStore: ConsoleQueryStore {
    public func searchUsers(_ query: UserSearch.Query) async throws -> [UserSearch.Hit] {
        read { s in
            s.users.values.filter { u in
                guard query.tenantIDs?.contains(u.tenantID) ?? true else { return false }
                return query.matches(u.username) || query.matches(u.displayName)
                    || s.contacts.contains { $0.userID == u.id && query.matches($0.value, phone: $0.kind == .phone) }
                    || s.cards.values.contains { $0.card.userID == u.id && query.matches($0.card.serial) }
                    || s.tokens.values.contains { $0.token.userID == u.id && query.matches($0.token.id.uuidString) }
            }
            .map { UserSearch.Hit(user: $0, tenantName: s.tenants[$0.tenantID]?.name ?? "") }
            .sorted { ($0.tenantName, $0.user.usernameKey) < ($1.tenantName, $1.user.usernameKey) }
            .prefix(query.limit).map { $0 }
        }
    }

    public func auditEvents(_ filter: AuditFilter) async throws -> [AuditEvent] {
        read { s in
            Array(s.events.filter(filter.matches)
                .sorted { a, b in a.record.time != b.record.time ? a.record.time > b.record.time : a.chain != b.chain ? a.chain < b.chain : a.seq > b.seq }
                .dropFirst(max(filter.offset, 0)).prefix(max(filter.limit, 0)))
        }
    }

    public func hourlyAuditCounts(_ filter: AuditFilter) async throws -> [Date: Int] {
        read { s in
            var out: [Date: Int] = [:]
            for e in s.events where filter.matches(e) {
                let millis = Int64((e.record.time.timeIntervalSince1970 * 1000).rounded())
                out[Date(timeIntervalSince1970: Double(millis / 3_600_000 * 3600)), default: 0] += 1
            }
            return out
        }
    }

    public func attentionTokens(tenantIDs: Set<UUID>?, now: Date, limit: Int) async throws -> [Token] {
        read { s in
            let names = s.tenants.mapValues(\.name)
            return s.tokens.values.map(\.token)
                .filter { (tenantIDs?.contains($0.tenantID) ?? true) && ($0.state == .locked || ($0.state == .active && $0.isThrottled(at: now))) }
                .sorted { a, b in
                    let ka = (a.state == .locked ? 0 : 1, names[a.tenantID] ?? ""), kb = (b.state == .locked ? 0 : 1, names[b.tenantID] ?? "")
                    if ka != kb { return ka < kb }
                    return a.createdAt != b.createdAt ? a.createdAt < b.createdAt : a.id.uuidString.lowercased() < b.id.uuidString.lowercased()
                }
                .prefix(limit).map { $0 }
        }
    }

    public func failedMessageCount(tenants: Set<String>?, since: Date) async throws -> Int {
        read { s in s.outbox.filter { $0.status == .failed && $0.createdAt >= since && (tenants?.contains($0.tenant) ?? true) }.count }
    }
}
