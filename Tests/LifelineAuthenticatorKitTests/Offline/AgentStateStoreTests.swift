#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import LifelineAuthenticatorKit

/// ``FileAgentStateStore``: 0600, round trip, unsafe files refused, `update` exclusive across file descriptions.
@Suite struct AgentStateStoreTests {
    func path() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-agent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("agent.json").path
    }

    func mode(_ path: String) -> mode_t {
        var info = stat()
        _ = stat(path, &info)
        return info.st_mode & 0o777
    }

    @Test func roundTripIn0600File() throws {
        let p = try path()
        let store = FileAgentStateStore(path: p)
        #expect(try store.load() == nil)
        let entry = OfflineFixture.entry()
        let key = AgentState.key(tenant: "Acme", user: "Ada")
        #expect(key == "acme/ada")
        try store.update { $0.users[key] = entry }
        #expect(mode(p) == 0o600)
        let loaded = try #require(try store.load())
        #expect(loaded.users[key] == entry && loaded.version == 1)
        #expect(try loaded.key(for: "ADA") == key && loaded.key(for: "acme/ada") == key && loaded.key(for: "bob") == nil)
        // A throwing body saves nothing.
        struct Stop: Error {}
        #expect(throws: Stop.self) { try store.update { state -> Void in state.users = [:]; throw Stop() } }
        #expect(try store.load()?.users[key] == entry)
    }

    @Test func refusesAFileOthersMayRead() throws {
        let p = try path()
        let store = FileAgentStateStore(path: p)
        try store.update { $0.users["acme/ada"] = OfflineFixture.entry() }
        chmod(p, 0o644)
        #expect(throws: AgentClientError.self) { try store.load() }
        #expect(throws: AgentClientError.self) { try store.update { _ in } }
        _ = FileManager.default.createFile(atPath: p + ".txt", contents: Data("{}".utf8), attributes: [.posixPermissions: 0o600])
        #expect(throws: AgentClientError.self) { try FileAgentStateStore(path: p + ".txt").load() }
    }

    @Test func bareNameHeldAtTwoTenantsIsAmbiguous() throws {
        let state = AgentState(users: ["acme/ada": OfflineFixture.entry(), "beta/ada": OfflineFixture.entry()])
        #expect(throws: AgentClientError.ambiguousUser("ada")) { try state.key(for: "ada") }
        #expect(try state.key(for: "Beta/Ada") == "beta/ada")
    }

    /// Why: two logins racing must not lose a failure or accept one step twice.
    @Test func updatesAreExclusive() async throws {
        let store = FileAgentStateStore(path: try path())
        try store.update { $0.users["acme/ada"] = OfflineFixture.entry() }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask { _ = try? store.update { $0.users["acme/ada"]?.failures += 1 } }
            }
        }
        #expect(try store.load()?.users["acme/ada"]?.failures == 16)
    }

    @Test func authenticatorFileStoreStillWorks() throws {
        let p = try path()
        let store = FileStateStore(path: p)
        try store.save(AuthenticatorState(deviceID: "d1", server: "https://id.example.org"))
        #expect(mode(p) == 0o600)
        #expect(try store.load()?.deviceID == "d1")
        chmod(p, 0o640)
        #expect(throws: AuthenticatorClientError.self) { try store.load() }
    }
}
