import Foundation
import LifelineCore
import LifelineTestStore
import Testing

/// The operators' rules over the in-memory store and a manual clock: login with all three factors, single use of a
/// code, throttling, no enumeration, session timeouts, re-authentication, enrolment, and who may act on whom.
@Suite("Operator service")
struct OperatorServiceTests {
    struct Harness {
        let h: ServiceHarness
        let operators: OperatorService
        init() throws {
            h = try ServiceHarness()
            operators = OperatorService(storage: h.store, vault: h.vault, clock: h.clock, random: CSPRNG(), policy: OTPPolicy())
        }
        var clock: ManualClock { h.clock }

        /// An active operator with ``ServiceHarness/secret`` and a known password.
        @discardableResult
        func op(_ name: String, _ role: Role, tenants: [String] = ["demo"]) async throws -> Operator {
            try await operators.ensureDemoOperator(name: name, role: role, tenants: role == .superuser ? [] : tenants,
                                                   password: "a long passphrase here", secretBase32: Base32.encode(ServiceHarness.secret), caller: .cli)
        }

        /// A fresh code: the clock moves to the next step first (each step is accepted once).
        func code() -> String { clock.advance(by: 30); return h.totp() }

        func login(_ name: String, password: String = "a long passphrase here", code: String? = nil) async throws -> OperatorLogin {
            try await operators.login(name: name, password: password, code: code ?? self.code(), source: "10.0.0.1", userAgent: "test")
        }
    }

    func refused(_ body: () async throws -> some Any) async -> Bool {
        do { _ = try await body(); return false } catch let e as LifelineError { return e.code == .unauthorized } catch { return false }
    }

    @Test("login needs name, password and code; the same answer for a wrong password, a wrong code and an unknown name")
    func loginFactors() async throws {
        let x = try Harness()
        _ = try await x.h.admin.createTenant(name: "demo", displayName: "Demo", caller: .cli)
        try await x.op("helen", .helpdesk)
        let ok = try await x.login("Helen")
        #expect(ok.op.name == "helen" && OperatorRules.isWellFormedToken(ok.token))
        #expect(await refused { try await x.login("helen", password: "wrong passphrase here") })
        #expect(await refused { try await x.login("helen", code: x.h.wrongCode()) })
        #expect(await refused { try await x.login("nobody") })
        #expect(await refused { try await x.login("helen", code: "") })
        // The audit log says why, the caller does not learn it.
        let reasons = x.h.store.auditEvents().filter { $0.record.event == "operator.login" }.map(\.record.reason)
        #expect(reasons == ["", "wrong password", "wrong code", "unknown operator", "wrong code"])
    }

    @Test("a code is accepted once: a replay, also with the right password, is refused and not counted")
    func replay() async throws {
        let x = try Harness()
        _ = try await x.h.admin.createTenant(name: "demo", displayName: "Demo", caller: .cli)
        try await x.op("helen", .helpdesk)
        let code = x.code()
        _ = try await x.login("helen", code: code)
        #expect(await refused { try await x.login("helen", code: code) })
        #expect(try await x.h.store.operatorRecord(named: "helen")?.failCount == 0)
    }

    @Test("failures throttle like tokens: 3 free, then 30 s doubling; a throttled operator is refused even with the right factors")
    func throttle() async throws {
        let x = try Harness()
        _ = try await x.h.admin.createTenant(name: "demo", displayName: "Demo", caller: .cli)
        try await x.op("helen", .helpdesk)
        for _ in 0..<3 { #expect(await refused { try await x.login("helen", password: "wrong passphrase here") }) }
        var stored = try #require(try await x.h.store.operatorRecord(named: "helen"))
        #expect(stored.failCount == 3 && stored.throttledUntil == x.clock.now().addingTimeInterval(30))
        // The right factors while throttled (the clock has not moved since the third failure).
        #expect(await refused { try await x.operators.login(name: "helen", password: "a long passphrase here", code: x.h.totp(), source: "", userAgent: "") })
        #expect(try await x.h.store.operatorRecord(named: "helen")?.failCount == 3, "refused unchecked, uncounted")
        x.clock.advance(by: 31)
        _ = try await x.login("helen")
        stored = try #require(try await x.h.store.operatorRecord(named: "helen"))
        #expect(stored.failCount == 0 && stored.throttledUntil == nil)
    }

    @Test("sessions: 15 minutes idle (sliding), 8 hours absolute; a disabled operator's session ends at once")
    func sessionTimeouts() async throws {
        let x = try Harness()
        _ = try await x.h.admin.createTenant(name: "demo", displayName: "Demo", caller: .cli)
        try await x.op("helen", .helpdesk)
        var login = try await x.login("helen")
        x.clock.advance(by: 14 * 60)
        #expect(try await x.operators.session(token: login.token) != nil)
        x.clock.advance(by: 14 * 60)
        #expect(try await x.operators.session(token: login.token) != nil, "the check 14 minutes ago slid the idle timeout")
        x.clock.advance(by: 15 * 60)
        #expect(try await x.operators.session(token: login.token) == nil, "15 minutes idle")
        login = try await x.login("helen")
        for _ in 0..<(8 * 6 - 1) {
            x.clock.advance(by: 600)
            #expect(try await x.operators.session(token: login.token) != nil)
        }
        x.clock.advance(by: 600)
        #expect(try await x.operators.session(token: login.token) == nil, "8 hours after login")
        login = try await x.login("helen")
        _ = try await x.operators.setDisabled(name: "helen", true, caller: .cli)
        #expect(try await x.operators.session(token: login.token) == nil)
        #expect(try await x.operators.session(token: "not a token") == nil)
    }

    @Test("re-authentication: a fresh code, valid 5 minutes; a used code is refused")
    func reauth() async throws {
        let x = try Harness()
        _ = try await x.h.admin.createTenant(name: "demo", displayName: "Demo", caller: .cli)
        try await x.op("helen", .helpdesk)
        let code = x.code()
        let login = try await x.login("helen", code: code)
        #expect(try await x.operators.reauthenticate(login.op, session: login.session, code: code, source: "") == false)
        #expect(try await x.operators.reauthenticate(login.op, session: login.session, code: x.code(), source: ""))
        var session = try #require(try await x.operators.session(token: login.token)).session
        #expect(session.isRecentlyReauthenticated(at: x.clock.now()))
        x.clock.advance(by: 5 * 60)
        session = try #require(try await x.operators.session(token: login.token)).session
        #expect(!session.isRecentlyReauthenticated(at: x.clock.now()))
    }

    @Test("enrolment: rules, a code from the secret, once; the link is dead after 24 h")
    func enrolment() async throws {
        let x = try Harness()
        _ = try await x.h.admin.createTenant(name: "demo", displayName: "Demo", caller: .cli)
        let created = try await x.operators.create(name: "nova", role: .auditor, tenants: ["demo"], caller: .cli)
        let page = try await x.operators.enrolmentPage(token: created.enrolmentToken)
        let secret = try #require(Base32.decode(page.secretBase32))
        let code = { () -> String in
            x.clock.advance(by: 30)
            return HOTP.code(secret: secret, counter: UInt64(HOTP.timeStep(unixTime: Int64(x.clock.now().timeIntervalSince1970), period: 30)),
                             digits: 6, algorithm: .sha1)
        }
        #expect(try await x.operators.completeEnrolment(token: created.enrolmentToken, password: "fourteen chars", code: code(), source: "")
                == .passwordProblems([PasswordProblem("password.too_short", ["min": "15"])]))
        #expect(try await x.operators.completeEnrolment(token: created.enrolmentToken, password: "nova is my name here", code: code(), source: "")
                == .passwordProblems([PasswordProblem("password.contains_username")]))
        #expect(try await x.operators.completeEnrolment(token: created.enrolmentToken, password: "correct horse battery", code: "12345", source: "") == .wrongCode)
        #expect(try await x.operators.completeEnrolment(token: created.enrolmentToken, password: "correct horse battery", code: code(), source: "") == .enrolled)
        await #expect(throws: LifelineError.self) {
            _ = try await x.operators.completeEnrolment(token: created.enrolmentToken, password: "correct horse battery", code: code(), source: "")
        }
        _ = try await x.operators.login(name: "nova", password: "correct horse battery", code: code(), source: "", userAgent: "")
        let late = try await x.operators.create(name: "late", role: .auditor, tenants: ["demo"], caller: .cli)
        x.clock.advance(by: 24 * 3600)
        await #expect(throws: LifelineError.self) { _ = try await x.operators.enrolmentPage(token: late.enrolmentToken) }
    }

    @Test("who may act on whom: lower roles only, within own tenants, never on oneself; superusers by a global superuser")
    func ranks() async throws {
        let x = try Harness()
        _ = try await x.h.admin.createTenant(name: "demo", displayName: "Demo", caller: .cli)
        _ = try await x.h.admin.createTenant(name: "other", displayName: "Other", caller: .cli)
        let tadm = try await x.op("tadm", .tenantAdmin).principal(source: "")
        let help = try await x.op("help", .helpdesk).principal(source: "")
        let root = try await x.op("root", .superuser).principal(source: "")
        try await x.op("peer", .tenantAdmin)
        try await x.op("far", .helpdesk, tenants: ["other"])
        func forbidden(_ body: () async throws -> some Any) async -> Bool {
            do { _ = try await body(); return false } catch let e as LifelineError { return e.code == .forbidden || e.code == .notFound } catch { return false }
        }
        _ = try await x.operators.create(name: "u1", role: .useradmin, tenants: ["demo"], caller: tadm)
        #expect(await forbidden { try await x.operators.create(name: "u2", role: .tenantAdmin, tenants: ["demo"], caller: tadm) }, "equal role")
        #expect(await forbidden { try await x.operators.create(name: "u3", role: .superuser, tenants: [], caller: tadm) }, "higher role")
        #expect(await forbidden { try await x.operators.create(name: "u4", role: .auditor, tenants: ["other"], caller: tadm) }, "another tenant")
        #expect(await forbidden { try await x.operators.create(name: "u5", role: .auditor, tenants: ["demo"], caller: help) }, "no operators.manage")
        #expect(await forbidden { try await x.operators.setDisabled(name: "peer", true, caller: tadm) }, "an equal")
        #expect(await forbidden { try await x.operators.setDisabled(name: "root", true, caller: tadm) }, "a higher one")
        #expect(await forbidden { try await x.operators.setDisabled(name: "far", true, caller: tadm) }, "another tenant's")
        #expect(await forbidden { try await x.operators.setDisabled(name: "tadm", true, caller: tadm) }, "itself")
        #expect(await forbidden { try await x.operators.changeRole(name: "help", role: .tenantAdmin, tenants: nil, caller: tadm) }, "raise to its own rank")
        _ = try await x.operators.changeRole(name: "help", role: .useradmin, tenants: nil, caller: tadm)
        _ = try await x.operators.setDisabled(name: "help", true, caller: tadm)
        #expect(await forbidden { try await x.operators.changeRole(name: "root", role: .auditor, tenants: ["demo"], caller: root) }, "a superuser on itself")
        _ = try await x.operators.create(name: "root2", role: .superuser, tenants: [], caller: root)
        _ = try await x.operators.setDisabled(name: "peer", true, caller: root)
        // A tenant-admin sees its tenant's operators, not other tenants' nor superusers.
        #expect(try await x.operators.list(caller: tadm).map(\.op.name) == ["help", "peer", "tadm", "u1"])
        #expect(try await x.operators.list(caller: root).count == 7)
        // Every action names its actor.
        #expect(x.h.store.auditEvents().contains { $0.record.event == "operator.disable" && $0.record.actor == "operator:tadm" && $0.record.subject == "operator:help" })
    }

    @Test("a superuser may be created with a tenant named (the issue's `--role superuser [--tenant T]`): it stays global; an unknown tenant is refused")
    func superuserWithTenant() async throws {
        let x = try Harness()
        _ = try await x.h.admin.createTenant(name: "demo", displayName: "Demo", caller: .cli)
        let created = try await x.operators.create(name: "boss", role: .superuser, tenants: ["demo"], caller: .cli)
        #expect(created.op.tenantIDs.isEmpty)
        do {
            _ = try await x.operators.create(name: "boss2", role: .superuser, tenants: ["nowhere"], caller: .cli)
            Issue.record("an unknown tenant was accepted")
        } catch let e as LifelineError {
            #expect(e.code == .notFound)
        }
    }
}
