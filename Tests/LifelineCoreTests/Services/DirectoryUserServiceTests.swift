import Foundation
import LifelineCore
import LifelineTestStore
import Synchronization
import Testing

/// A directory in memory: the entries a sync lists and a lookup finds (by username, case-insensitively), a switch
/// that makes it fail, and a count of the searches it answered.
final class FakeUserDirectory: DirectoryUserSource, Sendable {
    let entries = Mutex<[DirectoryUserRecord]>([])
    let failing = Mutex(false)
    let searches = Mutex(0)

    func set(_ records: [DirectoryUserRecord]) { entries.withLock { $0 = records } }

    func user(username: String) async throws -> DirectoryUserRecord? {
        searches.withLock { $0 += 1 }
        if failing.withLock({ $0 }) { throw DirectoryUnavailable("fake directory is down") }
        return entries.withLock { $0.first { $0.username?.lowercased() == username.lowercased() } }
    }

    func users(pageSize: Int, _ page: ([DirectoryUserRecord]) async throws -> Void) async throws {
        searches.withLock { $0 += 1 }
        let all = entries.withLock { $0 }
        // Two pages at least, so the caller must gather them; then the failure, if any, after the first page.
        let half = all.count / 2
        try await page(Array(all[..<half]))
        if failing.withLock({ $0 }) { throw DirectoryUnavailable("fake directory is down") }
        try await page(Array(all[half...]))
    }
}

/// A resolver whose every LDAP tenant reads ``FakeUserDirectory``.
struct FakeDirectoryResolver: DirectoryResolver {
    let source: FakeUserDirectory
    func directory(tenant: Tenant, settings: DirectorySettings) async throws -> any Directory { throw DirectoryUnavailable("no accounts here") }
    func problems(_ settings: DirectorySettings, tenant: String) async -> [ConfigProblem] { [] }
    func userSource(tenant: Tenant, settings: DirectorySettings) async throws -> any DirectoryUserSource { source }
}

/// The services over the in-memory store with a fake directory.
struct DirectoryHarness {
    let store: InMemoryStore
    let clock: ManualClock
    let directory = FakeUserDirectory()
    let admin: AdminService
    let service: DirectoryUserService
    let recovery: RecoveryService

    init() throws {
        let vault = try FixedKeyVault()
        store = InMemoryStore(vault: vault)
        clock = ManualClock(ServiceHarness.start)
        let random = CSPRNG()
        let resolver = FakeDirectoryResolver(source: directory)
        admin = AdminService(storage: store, vault: vault, clock: clock, random: random, policy: OTPPolicy(), directories: resolver)
        service = DirectoryUserService(storage: store, admin: admin, directories: resolver, clock: clock, random: random)
        var recovery = RecoveryService(storage: store, vault: vault, clock: clock, random: random,
                                       validation: ValidationService(storage: store, vault: vault, clock: clock, policy: OTPPolicy()),
                                       policy: OTPPolicy(), catalog: MessageCatalog.catalog, directories: resolver)
        recovery.directoryUsers = service
        self.recovery = recovery
    }

    /// Tenant `demo` taking its users from the (fake) LDAP directory.
    func seed(_ users: DirectoryUserSettings = DirectoryUserSettings()) async throws {
        _ = try await admin.createTenant(name: "demo", displayName: "Demo", caller: .cli)
        var config = try ServiceHarness.recoveryConfig()
        config.directory = DirectorySettings(type: .ldap, ldap: TenantLDAPSettings(connection: "corp"), users: users)
        #expect(config.problems().isEmpty, "\(config.problems())")
        _ = try await admin.applyRecoveryConfig(tenantName: "demo", config, caller: .cli)
    }

    func tenant() async throws -> Tenant { try #require(try await store.tenant(named: "demo")) }
    func user(_ name: String) async throws -> User? { try await store.user(tenantID: try await tenant().id, username: name) }
    func contacts(_ name: String) async throws -> [String] {
        guard let u = try await user(name) else { return [] }
        return try await store.contacts(userID: u.id).map { "\($0.kind.rawValue):\($0.value):\($0.verified ? "verified" : "unverified")" }.sorted()
    }
    func sync() async throws -> DirectorySyncRun { try await service.sync(tenantName: "demo", trigger: "test", caller: .cli) }
}

func entry(_ uid: String, mail: String? = nil, mobile: String? = nil, name: String? = nil, language: String? = nil) -> DirectoryUserRecord {
    DirectoryUserRecord(reference: "uid=\(uid),ou=people,dc=example,dc=org", username: uid, displayName: name, mail: mail, mobile: mobile, language: language)
}

@Suite("Users from the directory (in-memory)")
struct DirectoryUserServiceTests {
    @Test("the default attribute names: inetOrgPerson for OpenLDAP, sAMAccountName for Active Directory; a mapping overrides them")
    func defaults() {
        #expect(DirectoryAttributeMapping().resolved(for: .openldap).all == ["uid", "displayName", "mail", "mobile", "preferredLanguage"])
        #expect(DirectoryAttributeMapping().resolved(for: .activeDirectory).all == ["sAMAccountName", "displayName", "mail", "mobile", "preferredLanguage"])
        #expect(DirectoryAttributeMapping(mobile: "telephoneNumber").resolved(for: .openldap).mobile == "telephoneNumber")
    }

    @Test("directory.users is validated like the other settings: unknown keys, bad attribute names, intervals, type builtin")
    func validation() throws {
        func problems(_ users: String, type: String = "ldap") throws -> [String] {
            let json = """
                {"methods": [{"id": "sms", "type": "sms"}], "flows": [{"id": "f", "names": {"en": "F"}, "steps": ["sms"], "actions": ["unlock-account"]}],
                 "directory": {"type": "\(type)", \(type == "ldap" ? "\"ldap\": {\"connection\": \"corp\"}," : "") "users": \(users)}}
                """
            let decoder = JSONDecoder()
            decoder.userInfo[ConfigKeyCheck.strict] = true
            do {
                return try decoder.decode(RecoveryConfig.self, from: Data(json.utf8)).problems().map(\.description).filter { $0.hasPrefix("directory") }
            } catch let problem as ConfigProblem { return [problem.description] }
        }
        #expect(try problems("{}").isEmpty)
        #expect(try problems(#"{"attributes": {"username": "sAMAccountName", "mobile": "telephoneNumber"}, "sync_interval": 3600, "contacts_verified": false}"#).isEmpty)
        #expect(try problems(#"{"color": "blue"}"#).joined().contains("color"))
        #expect(try problems(#"{"attributes": {"phone": "mobile"}}"#).joined().contains("phone"))
        #expect(try problems(#"{"attributes": {"mail": "mail;binary"}}"#).joined().contains("directory.users.attributes.mail"))
        #expect(try problems(#"{"sync_interval": 10}"#).joined().contains("directory.users.sync_interval"))
        #expect(try problems(#"{"filter": "(uid={username})"}"#).joined().contains("directory.users.filter"))
        #expect(try problems("{}", type: "builtin").joined().contains("directory.users"))
    }

    @Test("a sync creates users with their mail and mobile, verified by default; a second sync changes nothing")
    func syncCreates() async throws {
        let h = try DirectoryHarness()
        try await h.seed()
        h.directory.set([entry("ann", mail: "Ann@Example.ORG", mobile: "+47 912 34 567", name: "Ann A.", language: "nb-no"),
                         entry("bob", mail: "bob@example.org"), entry("bad", mobile: "912 34 567"), entry("cy")])
        let first = try await h.sync()
        #expect(first.summary == DirectorySyncSummary(created: 3, updated: 0, disabled: 0, unchanged: 0, refused: 1))
        #expect(first.error == nil)
        #expect(try await h.contacts("ann") == ["email:Ann@example.org:verified", "phone:+4791234567:verified"])
        let ann = try #require(try await h.user("ann"))
        #expect(ann.displayName == "Ann A." && ann.language == "nb-NO" && ann.status == .active)
        #expect(try await h.user("bad") == nil, "an entry whose mobile is not in international form is refused whole")
        h.clock.advance(by: 60)
        let second = try await h.sync()
        #expect(second.summary == DirectorySyncSummary(created: 0, updated: 0, disabled: 0, unchanged: 3, refused: 1))
        #expect(try await h.store.lastDirectorySyncRun(tenantID: try await h.tenant().id)?.id == second.id)
    }

    @Test("contacts_verified false: the directory's contacts are stored unverified")
    func unverified() async throws {
        let h = try DirectoryHarness()
        try await h.seed(DirectoryUserSettings(contactsVerified: false))
        h.directory.set([entry("ann", mail: "ann@example.org")])
        _ = try await h.sync()
        #expect(try await h.contacts("ann") == ["email:ann@example.org:unverified"])
    }

    @Test("a changed mail replaces the directory's contact and keeps one an operator added")
    func changedMail() async throws {
        let h = try DirectoryHarness()
        try await h.seed()
        h.directory.set([entry("ann", mail: "ann@old.example")])
        _ = try await h.sync()
        _ = try await h.admin.addContact(tenantName: "demo", username: "ann", kind: .email, value: "ann@private.example", verified: true, caller: .cli)
        h.directory.set([entry("ann", mail: "ann@new.example")])
        let run = try await h.sync()
        #expect(run.summary.updated == 1)
        #expect(try await h.contacts("ann") == ["email:ann@new.example:verified", "email:ann@private.example:verified"])
    }

    @Test("users who disappear from the directory are disabled, not deleted, and enabled when they come back; one an operator disabled stays disabled")
    func disappearance() async throws {
        let h = try DirectoryHarness()
        try await h.seed()
        h.directory.set([entry("ann", mail: "ann@example.org"), entry("bob", mail: "bob@example.org")])
        _ = try await h.sync()
        h.directory.set([entry("bob", mail: "bob@example.org")])
        let gone = try await h.sync()
        #expect(gone.summary == DirectorySyncSummary(created: 0, updated: 0, disabled: 1, unchanged: 1, refused: 0))
        #expect(try await h.user("ann")?.status == .disabled)
        #expect(try await h.contacts("ann") == ["email:ann@example.org:verified"], "disabled, not deleted")
        // A disabled user gets a decoy flow: no message reaches the real address.
        _ = try await h.recovery.createFlow(tenantName: "demo", username: "ann", language: "en", source: "127.0.0.1")
        #expect(try await h.store.recoverySubject(tenantID: try await h.tenant().id, usernameKey: "ann").active == false)

        h.directory.set([entry("ann", mail: "ann@example.org"), entry("bob", mail: "bob@example.org")])
        let back = try await h.sync()
        #expect(back.summary.updated == 1)
        #expect(try await h.user("ann")?.status == .active)

        _ = try await h.admin.updateUser(tenantName: "demo", username: "bob", displayName: nil, status: .disabled, language: nil, caller: .cli)
        _ = try await h.sync()
        #expect(try await h.user("bob")?.status == .disabled, "an operator's disable is not undone by a sync")
    }

    @Test("a listing cut short by an outage disables nobody and records the error")
    func outage() async throws {
        let h = try DirectoryHarness()
        try await h.seed()
        h.directory.set([entry("ann"), entry("bob"), entry("cy"), entry("dee")])
        _ = try await h.sync()
        h.directory.failing.withLock { $0 = true }
        let run = try await h.sync()
        #expect(run.error != nil)
        #expect(run.summary.disabled == 0)
        for name in ["ann", "bob", "cy", "dee"] { #expect(try await h.user(name)?.status == .active) }
    }

    @Test("local users that never came from the directory are not disabled by a sync")
    func localUsersStay() async throws {
        let h = try DirectoryHarness()
        try await h.seed()
        _ = try await h.admin.createUser(tenantName: "demo", AdminService.NewUser(username: "local"), caller: .cli)
        h.directory.set([entry("ann")])
        let run = try await h.sync()
        #expect(run.summary.disabled == 0)
        #expect(try await h.user("local")?.status == .active)
    }

    @Test("a sync needs directory.sync: a helpdesk operator is refused")
    func permission() async throws {
        let h = try DirectoryHarness()
        try await h.seed()
        let helpdesk = Principal(.operator(name: "hd"), source: "test", roles: [.helpdesk], tenants: [try await h.tenant().id])
        await #expect(throws: LifelineError.self) { _ = try await h.service.sync(tenantName: "demo", trigger: "test", caller: helpdesk) }
    }
}
