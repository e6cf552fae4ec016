import Foundation
import LifelineCore
@testable import LifelineStore
import SQLKit
import Testing

@Suite("Migrations")
struct MigrationTests {
    @Test("applying twice is idempotent and recorded in schema_migrations", arguments: Backend.available)
    func migrateTwice(_ backend: Backend) async throws {
        try await withStore(backend, migrate: false) { store, _ in
            let all = Migrations.all.map(\.version)
            #expect(all.first == 1)
            let first = try await store.migrate()
            #expect(first == all)
            let second = try await store.migrate()
            #expect(second == [])

            let recorded = try await store.backend.read { db in
                try await db.raw("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").all().map {
                    (try $0.decode(column: "version", as: Int64.self), try $0.decode(column: "name", as: String.self),
                     try $0.decode(column: "applied_at", as: Int64.self))
                }
            }
            #expect(recorded.map(\.0) == all)
            #expect(recorded.first?.1 == "foundation")
            let now = Int64(Date().timeIntervalSince1970)
            #expect(recorded.allSatisfy { abs($0.2 - now) < 600 })
            // No chain head before the first event (a chain's first append makes its head; an empty log has no legacy chain).
            #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_heads") == 0)
            let verified = try await store.verifyChain()
            #expect(verified.count == 0)
            #expect(verified.broken == nil)
            // The schema is usable after the second run.
            _ = try await Fixture.seedUser(store)
            #expect(try await store.tenants().count == 1)
        }
    }

    @Test("migrating a database that has data keeps it", arguments: Backend.available)
    func migrateKeepsData(_ backend: Backend) async throws {
        try await withStore(backend) { store, db in
            let (tenant, _) = try await Fixture.seedUser(store)
            let other = try await db.openStore(migrate: false)
            let applied = try await other.migrate()
            await other.shutdown()
            #expect(applied == [])
            #expect(try await store.tenant(id: tenant.id) == tenant)
            #expect(try await store.auditCount() == 2)
        }
    }

    @Test("several processes migrating one database at once apply each migration once", arguments: Backend.available)
    func concurrentMigrations(_ backend: Backend) async throws {
        try await withStore(backend, migrate: false) { first, db in
            var others: [SQLStore] = []
            let results: [[Int64]]
            do {
                for _ in 0..<3 { others.append(try await db.openStore(migrate: false)) }
                let stores = [first] + others
                results = try await withThrowingTaskGroup(of: [Int64].self) { group in
                    for s in stores { group.addTask { try await s.migrate() } }
                    var all: [[Int64]] = []
                    for try await r in group { all.append(r) }
                    return all
                }
            } catch {
                for s in others { await s.shutdown() }
                throw error
            }
            for s in others { await s.shutdown() }
            // Each migration is applied exactly once, by whichever store got to it first (each runs in its own
            // transaction, so one store may apply the first and another the second).
            #expect(results.flatMap { $0 }.sorted() == Migrations.all.map(\.version))
            #expect(try await first.int("SELECT COUNT(*) AS n FROM schema_migrations") == Int64(Migrations.all.count))
            #expect(try await first.int("SELECT COUNT(*) AS n FROM audit_heads") == 0)
        }
    }
}
