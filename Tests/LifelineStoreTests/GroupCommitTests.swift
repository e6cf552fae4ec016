import Foundation
import LifelineCore
@testable import LifelineStore
import SQLKit
import Testing

/// `GroupCommitWriter` under the store, on both databases: concurrent writes are batched, yet each caller's change
/// is all-or-nothing and independent of the others' failures.
@Suite("Group commit")
struct GroupCommitTests {
    struct Refused: Error, Equatable { let n: Int }

    @Test("60 concurrent writes, every 4th throwing after it wrote and every 5th hitting a unique violation: exactly the others commit, with their audit events",
          arguments: Backend.available)
    func failingJobsTakeNothingWithThem(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 10) { store, _ in
            try await store.exec("CREATE TABLE gc_rows (n BIGINT PRIMARY KEY)")
            try await store.exec("INSERT INTO gc_rows (n) VALUES (-5)")
            let results = try await withThrowingTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
                for n in 0..<60 {
                    group.addTask {
                        do {
                            let value = try await store.backend.write { db -> Int in
                                // Every 5th job collides with the row -5 (a database error in the middle of a batch).
                                let key = n % 5 == 0 ? -5 : n
                                try await db.raw("INSERT INTO gc_rows (n) VALUES (\(bind: Int64(key)))").run()
                                try await store.appendAudit(Fixture.audit("gc", reason: "\(n)", time: Fixture.time(Int64(n))), in: db)
                                if n % 4 == 0 { throw Refused(n: n) }
                                return n * 10
                            }
                            return (n, .success(value))
                        } catch {
                            return (n, .failure(error))
                        }
                    }
                }
                var out: [Int: Result<Int, any Error>] = [:]
                for try await (n, r) in group { out[n] = r }
                return out
            }
            let committed = (0..<60).filter { $0 % 4 != 0 && $0 % 5 != 0 }
            for n in 0..<60 {
                switch results[n] {
                case .success(let v)?: #expect(committed.contains(n) && v == n * 10, "job \(n) answered \(v)")
                case .failure(let e)?:
                    #expect(!committed.contains(n), "job \(n) failed: \(e)")
                    // A job that threw its own error gets that error back, not another job's.
                    if n % 5 != 0 { #expect((e as? Refused) == Refused(n: n)) }
                case nil: Issue.record("job \(n) has no answer")
                }
            }
            let rows = try await store.backend.read { db in
                try await db.raw("SELECT n FROM gc_rows WHERE n >= 0 ORDER BY n").all().map { try $0.decode(column: "n", as: Int64.self) }
            }
            #expect(rows == committed.map(Int64.init))
            let chain = try await store.verifyChain()
            #expect(chain.broken == nil)
            #expect(chain.count == committed.count)
            let reasons = Set(try await store.recentEvents(tenant: nil, limit: 100).map(\.record.reason))
            #expect(reasons == Set(committed.map(String.init)))
        }
    }
}
