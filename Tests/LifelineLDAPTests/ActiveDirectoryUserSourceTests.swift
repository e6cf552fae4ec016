import Foundation
import LifelineCore
@testable import LifelineLDAP
import Testing

/// The directory user source (sync and lookup) against the real Samba 4 AD DC, with the default Active Directory
/// mapping: `sAMAccountName`, `displayName`, `mail`, `mobile`. Each test lists an OU of its own, created by the
/// Administrator; the service account reads it with the rights every authenticated user has.
@Suite("LDAP user source (Samba AD)", .enabled(if: TestADServer.mustRun, "no AD DC (LIFELINE_TEST_AD_URL unset, not CI)"))
struct ActiveDirectoryUserSourceTests {
    @Test("a sync listing reads every person of the subtree in pages (paged results), and leaves computer accounts out")
    func pagedListingBySAMAccountNameMailAndMobile() async throws {
        let server = try TestADServer.current()
        let ou = try await server.createOU("sync")
        var made: [TestADUser] = []
        for i in 0..<5 { made.append(try await server.createUser("p\(i)", in: ou, mobile: "+47 912 34 56\(i)")) }
        // objectClass=user and a sAMAccountName, like a person: only objectCategory tells them apart.
        try await server.createComputer("pc-\(UUID().uuidString.prefix(6).lowercased())", in: ou)
        var settings = server.settings()
        settings.baseDN = ou
        try await withDirectory(settings) { directory in
            let source = LDAPUserSource(directory: directory, settings: settings, users: DirectoryUserSettings())
            var pages: [[DirectoryUserRecord]] = []
            try await source.users(pageSize: 2) { pages.append($0) }
            #expect(pages.map(\.count) == [2, 2, 1], "5 users in pages of 2, no computer")
            let all = pages.flatMap { $0 }.sorted { ($0.username ?? "") < ($1.username ?? "") }
            let expected = made.sorted { $0.sam < $1.sam }
            #expect(all.map(\.username) == expected.map(\.sam))
            #expect(all.map(\.mail) == expected.map { .some($0.mail) })
            #expect(all.map(\.mobile) == expected.map { .some($0.mobile) })
            #expect(all.map(\.displayName) == expected.map { .some("Person \($0.sam)") })
            #expect(all.map { $0.reference.lowercased() } == expected.map { $0.dn.lowercased() })
        }
    }

    @Test("a lookup finds one user by sAMAccountName with its mail and mobile; unknown and wildcard names find nothing")
    func lookupBySAMAccountName() async throws {
        let server = try TestADServer.current()
        let ou = try await server.createOU("lookup")
        let user = try await server.createUser("l", in: ou, mobile: "+420 777 123 789")
        var settings = server.settings(startTLS: true)
        settings.baseDN = ou
        try await withDirectory(settings) { directory in
            let source = LDAPUserSource(directory: directory, settings: settings, users: DirectoryUserSettings())
            let found = try #require(try await source.user(username: user.sam))
            #expect(found.username == user.sam && found.mail == user.mail && found.mobile == "+420 777 123 789"
                    && found.displayName == "Person \(user.sam)")
            // sAMAccountName compares without case in AD.
            #expect(try await source.user(username: user.sam.uppercased())?.reference.lowercased() == user.dn.lowercased())
            #expect(try await source.user(username: "nobody-\(user.sam)") == nil)
            #expect(try await source.user(username: "*") == nil)
            #expect(try await source.user(username: "\(user.sam.prefix(3))*") == nil)
        }
    }
}
