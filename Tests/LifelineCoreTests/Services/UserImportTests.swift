import Foundation
import LifelineCore
import LifelineTestStore
import Testing

@Suite("CSV user import")
struct UserImportTests {
    @Test("RFC 4180: quoted fields with commas, doubled quotes and line breaks; CRLF; each record keeps its first line's number")
    func csv() throws {
        let t = try CSVTable("username,display_name\r\nann,\"Ann, the \"\"first\"\"\"\r\n\r\nbob,\"two\nlines\"\ncy,\n")
        #expect(t.records.map(\.line) == [1, 2, 4, 6])
        #expect(t.records[1].fields == ["ann", "Ann, the \"first\""])
        #expect(t.records[2].fields == ["bob", "two\nlines"])
        #expect(t.records[3].fields == ["cy", ""])
        #expect(throws: LifelineError.self) { try CSVTable("a,\"never closed\n") }
        #expect(throws: LifelineError.self) { try CSVTable("a,\"x\"y\n") }
    }

    @Test("an import creates and updates users, refuses bad rows with their line numbers and goes on; each row is all or nothing")
    func importRows() async throws {
        let h = try DirectoryHarness()
        _ = try await h.admin.createTenant(name: "demo", displayName: "Demo", caller: .cli)
        var ann = AdminService.NewUser(username: "ann")
        ann.emails = ["ann@example.org"]
        _ = try await h.admin.createUser(tenantName: "demo", ann, caller: .cli)
        let csv = """
            phone,username,email,display_name,language
            +420 777 123 789,ann,ann@example.org,Ann Example,cs
            ,bob,bob@example.org,"Bob, Jr.",
            12345,cy,cy@example.org,,
            +4791234567,dee,not-an-address,,
            ,,nobody@example.org,,
            ,ed,,,english
            ,fay,fay@example.org,Fay,nb
            """
        let summary = try await h.service.importUsers(tenantName: "demo", csv: csv, caller: .cli)
        #expect(summary.created == 2 && summary.updated == 1)
        #expect(summary.refused.map(\.line) == [4, 5, 6, 7])
        #expect(summary.refused[0].reason.contains("phone"), "\(summary.refused)")
        #expect(try await h.contacts("ann") == ["email:ann@example.org:verified", "phone:+420777123789:verified"])
        #expect(try await h.user("ann")?.displayName == "Ann Example")
        #expect(try await h.user("bob")?.displayName == "Bob, Jr.")
        #expect(try await h.user("cy") == nil, "a refused row writes nothing, not even the user")
        #expect(try await h.user("dee") == nil)
        #expect(try await h.user("fay")?.language == "nb")
    }

    @Test("the header decides: an unknown column is refused by name, and so are a repeated column and a missing username")
    func header() async throws {
        let h = try DirectoryHarness()
        _ = try await h.admin.createTenant(name: "demo", displayName: "Demo", caller: .cli)
        for (csv, words) in [("username,mobile\nann,+4791234567\n", "unknown column 'mobile'"), ("username,email,email\n", "appears twice"),
                             ("email\nann@example.org\n", "no 'username'")] {
            do {
                _ = try await h.service.importUsers(tenantName: "demo", csv: csv, caller: .cli)
                Issue.record("accepted \(csv)")
            } catch let error as LifelineError {
                #expect(error.message.contains(words), "\(error.message)")
            }
        }
        #expect(try await h.user("ann") == nil)
    }

    @Test("an import needs users.write: an auditor is refused")
    func permission() async throws {
        let h = try DirectoryHarness()
        let tenant = try await h.admin.createTenant(name: "demo", displayName: "Demo", caller: .cli)
        let auditor = Principal(.operator(name: "au"), source: "test", roles: [.auditor], tenants: [tenant.id])
        await #expect(throws: LifelineError.self) { _ = try await h.service.importUsers(tenantName: "demo", csv: "username\nann\n", caller: auditor) }
    }
}
