import Foundation
import LifelineCore
@testable import LifelineStore
import Testing

/// The DirectoryUserStore port on SQLite and PostgreSQL: one transaction per write, links with their user, lookup
/// times, sync runs.
@Suite("Directory user store")
struct DirectoryUserStoreTests {
    @Test("a write inserts the user, its link, its lookup time and its work in one transaction; a failing step writes nothing",
          arguments: Backend.available)
    func allOrNothing(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let t = Fixture.tenant()
            try await store.insertTenant(t, audit: Fixture.audit("tenant.create", subject: t.name))
            let u = User(id: UUID(), tenantID: t.id, username: "dora", displayName: "Dora", status: .active, language: "en", createdAt: Fixture.t0)
            let mail = Contact(id: UUID(), userID: u.id, kind: .email, value: "dora@example.org", verified: true, createdAt: Fixture.t0)
            var write = DirectoryUserWrite(tenantID: t.id)
            write.user = .insert(u)
            write.link = DirectoryUserLink(userID: u.id, tenantID: t.id, reference: "uid=dora,dc=x", mail: mail.value, mobile: nil, departed: false, syncedAt: Fixture.t0)
            write.lookedUp = ("dora", Fixture.time(5))
            write.work.insertContact(mail)
            write.work.append(Fixture.audit("user.create", subject: "dora"))
            try await store.applyDirectoryUser(write)
            #expect(try await store.user(tenantID: t.id, username: "DORA")?.id == u.id)
            #expect(try await store.directoryLink(userID: u.id) == write.link)
            #expect(try await store.directoryLinks(tenantID: t.id).count == 1)
            #expect(try await store.directoryLookupTime(tenantID: t.id, usernameKey: "dora") == Fixture.time(5))
            #expect(try await store.contacts(userID: u.id).map(\.value) == ["dora@example.org"])

            // The same username again: the insert conflicts, and neither the new lookup time nor the contact is written.
            var again = DirectoryUserWrite(tenantID: t.id)
            again.user = .insert(User(id: UUID(), tenantID: t.id, username: "Dora", displayName: "X", status: .active, language: "en", createdAt: Fixture.t0))
            again.lookedUp = ("dora", Fixture.time(9))
            again.removeContacts = [mail.id]
            await #expect(throws: LifelineError.self) { try await store.applyDirectoryUser(again) }
            #expect(try await store.directoryLookupTime(tenantID: t.id, usernameKey: "dora") == Fixture.time(5))
            #expect(try await store.contacts(userID: u.id).count == 1)
            #expect(try await store.purgeDirectoryLookups(before: Fixture.time(5)) == 0)

            // Departed: the update and the link change together; the contact removal is by id.
            var gone = DirectoryUserWrite(tenantID: t.id)
            var disabled = u
            disabled.status = .disabled
            gone.user = .update(disabled)
            gone.removeContacts = [mail.id]
            gone.link = DirectoryUserLink(userID: u.id, tenantID: t.id, reference: "uid=dora,dc=x", mail: nil, mobile: nil, departed: true, syncedAt: Fixture.time(10))
            try await store.applyDirectoryUser(gone)
            #expect(try await store.user(id: u.id)?.status == .disabled)
            #expect(try await store.directoryLink(userID: u.id)?.departed == true)
            #expect(try await store.contacts(userID: u.id).isEmpty)
            #expect(try await store.purgeDirectoryLookups(before: Fixture.time(6)) == 1)
            #expect(try await store.directoryLookupTime(tenantID: t.id, usernameKey: "dora") == nil)
        }
    }

    @Test("the last sync run is the newest by start time", arguments: Backend.available)
    func runs(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let t = Fixture.tenant()
            try await store.insertTenant(t, audit: Fixture.audit("tenant.create", subject: t.name))
            #expect(try await store.lastDirectorySyncRun(tenantID: t.id) == nil)
            let old = DirectorySyncRun(id: UUID(), tenantID: t.id, trigger: "cli", actor: "cli", startedAt: Fixture.time(0), finishedAt: Fixture.time(1),
                                       summary: DirectorySyncSummary(created: 1, updated: 2, disabled: 3, unchanged: 4, refused: 5), error: nil)
            let new = DirectorySyncRun(id: UUID(), tenantID: t.id, trigger: "schedule", actor: "scheduler", startedAt: Fixture.time(100),
                                       finishedAt: Fixture.time(101), summary: DirectorySyncSummary(), error: "the directory could not be read")
            try await store.insertDirectorySyncRun(new)
            try await store.insertDirectorySyncRun(old)
            #expect(try await store.lastDirectorySyncRun(tenantID: t.id) == new)
        }
    }
}
