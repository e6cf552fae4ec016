import Foundation
import LifelineCore
@testable import LifelineLDAP
import Testing

/// The user source against the real slapd of the test suite: an OU of its own per test, with users that have mail,
/// mobile, displayName and preferredLanguage (inetOrgPerson), created by the rootdn.
@Suite("LDAP user source (slapd)")
struct LDAPUserSourceTests {
    /// A new OU under ou=people with `users` (uid, mail, mobile); returns its DN.
    static func organization(_ server: TestLDAPServer, _ users: [(uid: String, mail: String?, mobile: String?)]) async throws -> String {
        let ou = "sync-\(UUID().uuidString.prefix(8).lowercased())"
        let dn = "ou=\(ou),\(server.peopleDN)"
        let connection = try await server.adminConnection()
        let made = try await connection.add(dn: dn, attributes: [("objectClass", [Array("organizationalUnit".utf8)]), ("ou", [Array(ou.utf8)])])
        #expect(made.isSuccess, "\(made)")
        for u in users {
            var attributes: [(String, [[UInt8]])] = [
                ("objectClass", [Array("inetOrgPerson".utf8)]), ("uid", [Array(u.uid.utf8)]), ("cn", [Array(u.uid.utf8)]),
                ("sn", [Array("Test".utf8)]), ("displayName", [Array("User \(u.uid)".utf8)]), ("preferredLanguage", [Array("nb-no".utf8)]),
            ]
            if let mail = u.mail { attributes.append(("mail", [Array(mail.utf8)])) }
            if let mobile = u.mobile { attributes.append(("mobile", [Array(mobile.utf8)])) }
            let r = try await connection.add(dn: "uid=\(u.uid),\(dn)", attributes: attributes)
            #expect(r.isSuccess, "\(r)")
        }
        await connection.close()
        return dn
    }

    @Test("a sync listing reads every user of the subtree in pages (paged results), with the default inetOrgPerson mapping")
    func pagedListing() async throws {
        let server = try TestLDAPServer.current()
        let tag = UUID().uuidString.prefix(6).lowercased()
        let names = (0..<5).map { "p\(tag)\($0)" }
        let base = try await Self.organization(server, names.map { ($0, "\($0)@example.org", "+47 912 34 56\(($0.last!))") })
        var settings = server.settings()
        settings.baseDN = base
        try await withDirectory(settings) { directory in
            let source = LDAPUserSource(directory: directory, settings: settings, users: DirectoryUserSettings())
            var pages: [[DirectoryUserRecord]] = []
            try await source.users(pageSize: 2) { pages.append($0) }
            #expect(pages.count == 3, "5 users in pages of 2: \(pages.map(\.count))")
            let all = pages.flatMap { $0 }.sorted { ($0.username ?? "") < ($1.username ?? "") }
            #expect(all.map(\.username) == names)
            let first = try #require(all.first)
            #expect(first.mail == "\(names[0])@example.org" && first.mobile == "+47 912 34 560" && first.displayName == "User \(names[0])"
                    && first.language == "nb-no")
            #expect(first.reference.lowercased() == "uid=\(names[0]),\(base)".lowercased())
        }
    }

    @Test("a lookup finds one user by the tenant's user_filter with the username escaped; unknown and injected names find nothing")
    func lookup() async throws {
        let server = try TestLDAPServer.current()
        let uid = "l\(UUID().uuidString.prefix(6).lowercased())"
        let base = try await Self.organization(server, [(uid, "\(uid)@example.org", "+420 777 123 789"), (uid + "b", nil, nil)])
        var settings = server.settings()
        settings.baseDN = base
        try await withDirectory(settings) { directory in
            let source = LDAPUserSource(directory: directory, settings: settings,
                                        users: DirectoryUserSettings(attributes: DirectoryAttributeMapping(displayName: "cn")))
            let found = try #require(try await source.user(username: uid))
            #expect(found.username == uid && found.mail == "\(uid)@example.org" && found.mobile == "+420 777 123 789" && found.displayName == uid)
            #expect(try await source.user(username: "nobody-\(uid)") == nil)
            #expect(try await source.user(username: "*") == nil)
            #expect(try await source.user(username: "\(uid)*") == nil)
        }
    }

    @Test("a sync filter that is not RFC 4515 is named; the sync filter derived from user_filter parses")
    func filters() {
        #expect(LDAPUserSource.filterProblem("(objectClass=inetOrgPerson") != nil)
        #expect(LDAPUserSource.filterProblem("(&(objectClass=inetOrgPerson)(uid=*))") == nil)
        let openldap = LDAPSettings(url: "ldap://127.0.0.1", bindDN: "cn=x", baseDN: "dc=x")
        #expect(LDAPUserSource.defaultListFilter(openldap) == "(&(objectClass=inetOrgPerson)(uid=*))")
        let ad = LDAPSettings(url: "ldaps://dc.example", bindDN: "cn=x", baseDN: "dc=x", flavor: .activeDirectory)
        #expect(LDAPUserSource.defaultListFilter(ad) == "(&(objectCategory=person)(&(objectClass=user)(sAMAccountName=*)))")
        #expect(LDAPUserSource.filterProblem(LDAPUserSource.defaultListFilter(ad)) == nil)
    }
}
