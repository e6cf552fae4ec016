import Foundation
import LifelineCore
import LifelineTestStore
import Testing

/// The console's read use cases over the in-memory store (issue 15 "Pages").
@Suite("Console: search, user details, dashboard, audit log")
struct ConsoleServiceTests {
    let h: ServiceHarness
    let console: ConsoleService

    init() throws {
        h = try ServiceHarness()
        console = ConsoleService(storage: h.store, admin: h.admin, clock: h.clock)
    }

    func op(_ role: Role, _ tenants: [Tenant]?) -> Principal {
        Principal(.operator(name: "ann"), source: "192.0.2.1", roles: [role], tenants: tenants.map { Set($0.map(\.id)) })
    }

    /// demo (alice, from the harness) and other (olga).
    func seedTwo() async throws -> (demo: Tenant, other: Tenant, token: UUID) {
        let token = try await h.seed()
        let other = try await h.admin.createTenant(name: "other", displayName: "Other", caller: .cli)
        var olga = AdminService.NewUser(username: "olga")
        olga.emails = ["olga@other.example"]
        _ = try await h.admin.createUser(tenantName: "other", olga, caller: .cli)
        return (try await h.admin.tenant("demo", caller: .cli), other, token)
    }

    @Test("search: each field, scoped to the operator's tenants, validated, needs users.read")
    func search() async throws {
        let (demo, other, token) = try await seedTwo()
        let global = op(.superuser, nil)
        func names(_ q: String, _ p: Principal) async throws -> [String] { try await console.searchUsers(q, caller: p).map { "\($0.tenantName)/\($0.user.username)" } }
        #expect(try await names("ALICE", global) == ["demo/alice"])
        #expect(try await names("777 123", global) == ["demo/alice"])
        #expect(try await names(String(token.uuidString.prefix(6)), global) == ["demo/alice"])
        #expect(try await names("example", global) == ["demo/alice", "other/olga"])
        #expect(try await names("example", op(.helpdesk, [demo])) == ["demo/alice"], "an operator of demo never finds other's users")
        #expect(try await names("olga", op(.helpdesk, [demo])) == [])
        #expect(try await names("example", op(.auditor, [demo, other])) == ["demo/alice", "other/olga"])
        #expect(try await names("example", op(.helpdesk, [])) == [], "no tenants: nobody")
        for bad in ["a", " a ", String(repeating: "x", count: 65), "ab\u{0}c", "ab\ncd"] {
            await #expect(throws: LifelineError.self, "\(bad.debugDescription)") { _ = try await console.searchUsers(bad, caller: global) }
            do { _ = try await console.searchUsers(bad, caller: global) } catch let e as LifelineError { #expect(e.code == .invalidRequest) }
        }
        await #expect(throws: LifelineError.self) { _ = try await console.searchUsers("alice", caller: Principal(actor: "apikey:v", scope: .validate)) }
    }

    @Test("like patterns escape % _ and backslash")
    func likePattern() {
        #expect(UserSearch.Query.likePattern("a%b_c\\d") == "%a\\%b\\_c\\\\d%")
        #expect(UserSearch.Query.likePattern("plain") == "%plain%")
    }

    @Test("details: contacts with verified flags, token states (throttled), codes, events for who may read the log")
    func details() async throws {
        let (demo, _, token) = try await seedTwo()
        try await h.store.recordFailure([TokenFailure(tokenID: token, seenFailCount: 0, throttledUntil: h.clock.now().addingTimeInterval(60), lock: false)],
                                        audit: AuditRecord(time: h.clock.now(), tenant: "demo", actor: "cli", subject: "alice", event: "token.fail", outcome: "failure"))
        let auditor = op(.auditor, [demo])
        let d = try await console.userDetails(tenantName: "demo", username: "alice", caller: auditor)
        #expect(d.user.username == "alice")
        #expect(d.contacts.map(\.verified) == [true, true])
        let t = try #require(d.tokens?.first)
        #expect(t.token.id == token)
        #expect(t.token.failCount == 1)
        #expect(t.display == .throttled)
        #expect(d.cards == [])
        #expect(d.emergencyCode == nil)
        #expect(d.recoveryCodes == nil)
        let events = try #require(d.events)
        #expect(events.contains { $0.record.event == "user.create" })
        #expect(events.allSatisfy { $0.record.subject == "alice" && $0.record.tenant == "demo" })
        let helpdesk = try await console.userDetails(tenantName: "demo", username: "alice", caller: op(.helpdesk, [demo]))
        #expect(helpdesk.events == nil, "a helpdesk does not read the audit log")
        #expect(helpdesk.tokens?.count == 1)
        await #expect(throws: LifelineError.self) { _ = try await console.userDetails(tenantName: "other", username: "olga", caller: auditor) }
    }

    @Test("token display state: active, disabled, locked, throttled; TOTP last use from its step")
    func tokenStatus() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var t = Token(id: UUID(), tenantID: UUID(), userID: UUID(), type: .totp, algorithm: .sha1, digits: 6, period: 30, lastUsed: 60_000_000,
                      createdAt: now)
        #expect(TokenStatus(t, now: now).display == .active)
        #expect(TokenStatus(t, now: now).lastUse == Date(timeIntervalSince1970: 1_800_000_000))
        t.throttledUntil = now.addingTimeInterval(1)
        #expect(TokenStatus(t, now: now).display == .throttled)
        #expect(TokenStatus(t, now: now.addingTimeInterval(1)).display == .active)
        t.state = .locked
        #expect(TokenStatus(t, now: now).display == .locked)
        t.state = .disabled
        #expect(TokenStatus(t, now: now).display == .disabled)
    }

    @Test("dashboard: recoveries, attention tokens, failed flows per hour (24 counts), locked tokens need attention; scoped")
    func dashboard() async throws {
        let (demo, other, token) = try await seedTwo()
        let now = h.clock.now()
        try await h.store.append(AuditRecord(time: now, tenant: "demo", actor: "anonymous", subject: "alice", event: "recovery.failed", outcome: "failure"))
        try await h.store.append(AuditRecord(time: now.addingTimeInterval(-3600), tenant: "demo", actor: "anonymous", subject: "alice", event: "recovery.failed", outcome: "failure"))
        try await h.store.append(AuditRecord(time: now.addingTimeInterval(-25 * 3600), tenant: "demo", actor: "anonymous", subject: "alice", event: "recovery.failed", outcome: "failure"))
        try await h.store.append(AuditRecord(time: now, tenant: "other", actor: "anonymous", subject: "olga", event: "recovery.failed", outcome: "failure"))
        try await h.store.append(AuditRecord(time: now, tenant: "demo", actor: "anonymous", subject: "alice", event: "recovery.unlock-authenticator", outcome: "success"))
        try await h.store.append(AuditRecord(time: now, tenant: "other", actor: "anonymous", subject: "olga", event: "recovery.reset-password", outcome: "success"))
        try await h.store.recordFailure([TokenFailure(tokenID: token, seenFailCount: 0, throttledUntil: nil, lock: true)],
                                        audit: AuditRecord(time: now, tenant: "demo", actor: "cli", subject: "alice", event: "token.fail", outcome: "failure"))
        let d = try await console.dashboard(caller: op(.auditor, [demo]))
        #expect(d.failedFlowsPerHour.count == 24)
        #expect(d.failedFlowsPerHour.map(\.count).reduce(0, +) == 2, "two in the last 24 h of demo; other's and older ones not")
        #expect(d.failedFlowsPerHour.map(\.hour) == d.failedFlowsPerHour.map(\.hour).sorted())
        #expect(d.recentRecoveries.map(\.record.event) == ["recovery.unlock-authenticator"])
        #expect(d.attentionTokens.map(\.username) == ["alice"])
        #expect(d.attentionTokens.first?.status.display == .locked)
        #expect(d.needsAttention.map(\.kind) == [.lockedTokens])
        let helpdesk = try await console.dashboard(caller: op(.helpdesk, [other]))
        #expect(helpdesk.attentionTokens.isEmpty)
        #expect(helpdesk.recentRecoveries.isEmpty, "no audit.read: no events")
        await #expect(throws: LifelineError.self) { _ = try await console.dashboard(caller: Principal(actor: "apikey:v", scope: .validate)) }
    }

    @Test("audit log: filtered, scoped, paged, chain verified; a named tenant outside the scope is refused")
    func auditLog() async throws {
        let (demo, _, _) = try await seedTwo()
        for i in 0..<60 {
            try await h.store.append(AuditRecord(time: h.clock.now().addingTimeInterval(Double(i)), tenant: "demo", actor: "operator:ann",
                                                 subject: "alice", event: "test.page", outcome: "success"))
        }
        let auditor = op(.auditor, [demo])
        var q = AuditQuery()
        q.event = "test.page"
        let first = try await console.auditLog(q, caller: auditor)
        #expect(first.events.count == 50)
        #expect(first.hasMore)
        #expect(first.chain == .verified(events: h.store.auditEvents().count))
        q.page = 2
        let second = try await console.auditLog(q, caller: auditor)
        #expect(second.events.count == 10)
        #expect(!second.hasMore)
        var all = AuditQuery()
        all.subject = "olga"
        #expect(try await console.auditLog(all, caller: auditor).events.isEmpty, "other's events are not shown to demo's auditor")
        #expect(try await console.auditLog(all, caller: op(.superuser, nil)).events.count == 1)
        var named = AuditQuery()
        named.tenant = "other"
        await #expect(throws: LifelineError.self) { _ = try await console.auditLog(named, caller: auditor) }
        var bad = AuditQuery()
        bad.page = 0
        await #expect(throws: LifelineError.self) { _ = try await console.auditLog(bad, caller: auditor) }
        await #expect(throws: LifelineError.self) { _ = try await console.auditLog(AuditQuery(), caller: op(.helpdesk, [demo])) }
        let csv = try await console.auditCSV(q, caller: auditor)
        #expect(csv.hasPrefix(AuditCSV.header))
        #expect(csv.components(separatedBy: "\r\n").count == 62, "header, 60 rows, and the empty string after the last CRLF")
    }

    @Test("CSV: RFC 4180 quoting; cells that a spreadsheet would run as formulas get a leading apostrophe")
    func csv() {
        #expect(AuditCSV.field("plain") == "plain")
        #expect(AuditCSV.field("a,b") == "\"a,b\"")
        #expect(AuditCSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(AuditCSV.field("two\nlines") == "\"two\nlines\"")
        #expect(AuditCSV.field("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"")
        for lead in ["=", "+", "-", "@", "\t", "\r"] {
            #expect(AuditCSV.field(lead + "1").hasPrefix("'") || AuditCSV.field(lead + "1").hasPrefix("\"'"), "\(lead.debugDescription)")
        }
        #expect(AuditCSV.field("a=1") == "a=1", "only a leading character")
    }

    @Test("line diff: same, removed and added lines in order")
    func diff() throws {
        let d = try LineDiff.diff("a\nb\nc\n", "a\nx\nc\nd\n")
        #expect(d == [.init(.same, "a"), .init(.removed, "b"), .init(.added, "x"), .init(.same, "c"), .init(.added, "d")])
        #expect(try LineDiff.diff("", "") == [])
        #expect(try LineDiff.diff("a", "a").allSatisfy { $0.kind == .same })
        #expect(throws: LifelineError.self) { _ = try LineDiff.diff(String(repeating: "x\n", count: 2001), "") }
    }
}
