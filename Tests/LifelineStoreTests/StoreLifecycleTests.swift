import Foundation
import LifelineCore
@testable import LifelineStore
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing

/// The store's connections live as long as its `run()`: in `serve`'s ServiceGroup, or in ``SQLStore/withRunning(_:)``
/// for the CLI commands. Ending it closes every connection (issue 14, item 8).
@Suite struct StoreLifecycleTests {
    /// `serve` lists the store in its ServiceGroup: the group's graceful shutdown (SIGTERM) closes the store.
    @Test(arguments: Backend.available)
    func aGracefulShutdownOfItsServiceGroupClosesTheStore(_ backend: Backend) async throws {
        let db = try await TestDatabase.create(backend)
        do {
            let store = try await db.openUnstartedStore()
            try await testGracefulShutdown { shutdown in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await store.run() }
                    try await store.waitUntilReachable()
                    try await store.migrate()
                    #expect(try await db.openConnections() > 0, "sanity: the running store holds connections")
                    shutdown.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            #expect(try await db.openConnections() == 0)
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }

    /// A CLI command's store: closed when the command's body returns, and also when it throws.
    @Test(arguments: Backend.available)
    func withRunningClosesTheStoreAlsoWhenItsBodyThrows(_ backend: Backend) async throws {
        struct Failed: Error {}
        let db = try await TestDatabase.create(backend)
        do {
            let store = try await db.openUnstartedStore()
            await #expect(throws: Failed.self) {
                try await store.withRunning { store in
                    try await store.migrate()
                    #expect(try await db.openConnections() > 0, "sanity: the running store holds connections")
                    throw Failed()
                }
            }
            #expect(try await db.openConnections() == 0)
            // A second run of another store on the same database still works (nothing was left locked).
            let second = try await db.openUnstartedStore()
            let tenants = try await second.withRunning { try await $0.tenants() }
            #expect(tenants.isEmpty)
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }

    /// A PostgreSQL server that never answers: opening fails within the connect timeout, and the pool's run ends.
    @Test func anUnreachableServerFailsWithinTheConnectTimeout() async throws {
        let store = SQLStore(backend: try PostgresBackend.make(url: "postgres://lifeline:x@127.0.0.1:1/none", maxConnections: 1,
                                                               connectTimeout: .seconds(1), logger: quietLogger))
        await #expect(throws: LifelineStoreError.self) { try await store.withRunning { _ in } }
    }
}
