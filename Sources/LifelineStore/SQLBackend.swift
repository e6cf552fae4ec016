import SQLKit

/// The two databases Lifeline runs on. The SQL is shared; only a few statements differ.
public enum SQLKind: String, Sendable {
    case sqlite, postgres
}

/// A database connection provider: reads on any connection, writes in a transaction on one connection.
public protocol SQLBackend: Sendable {
    var kind: SQLKind { get }
    /// Runs `body` on a connection (no transaction): for reads.
    func read<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    /// Runs `body` in a transaction that commits when it returns and rolls back when it throws, so a change
    /// and its audit event are written together or not at all.
    func write<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    /// Keeps the connections open until the calling task is cancelled or its ServiceGroup shuts down gracefully, then
    /// closes them. PostgreSQL serves queries only while this runs; see ``SQLStore/run()``.
    func run() async
    /// Returns once the database answers (PostgreSQL: ``run()`` started and a first query answered within the connect
    /// timeout; SQLite: at once). Throws ``LifelineStoreError/unreachable(_:)``.
    func waitUntilReachable() async throws
    /// Like ``write(_:)``, for a change whose audit events go to the chain `lane` (``AuditRecord/chain``). A backend
    /// that can run write transactions side by side (PostgreSQL) runs those of different lanes on different
    /// connections at once: they take different audit head rows, so they need not wait for each other.
    func write<R: Sendable>(lane: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R
}

extension SQLBackend {
    /// One writer for all lanes (SQLite: the database has one writer anyway).
    public func write<R: Sendable>(lane: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await write(body)
    }
}
