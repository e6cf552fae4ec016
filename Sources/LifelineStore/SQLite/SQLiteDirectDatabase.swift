import Logging
import NIOCore
import NIOPosix
import SQLiteKit
import SQLKit

/// SQLKit's view of one ``SQLiteHandle``: the store's SQL runs through it unchanged (SQLiteKit's dialect, encoder and
/// decoder), on the caller's thread, with the handle's prepared statements.
///
/// One instance per connection, made once (not per query), so its encoder and decoder are made once too.
final class SQLiteDirectDatabase: SQLDatabase {
    let handle: SQLiteHandle
    let logger: Logger
    let eventLoop: any EventLoop
    let dialect: any SQLDialect = SQLiteDialect()
    let queryLogLevel: Logger.Level? = nil
    private let encoder = SQLiteDataEncoder()
    private let decoder = SQLiteDataDecoder()
    /// How long a statement is retried while another process holds the database's lock (what `busy_timeout` was).
    private let lockTimeout: Duration

    init(handle: SQLiteHandle, logger: Logger, lockTimeout: Duration = .seconds(10),
         eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()) {
        self.handle = handle
        self.logger = logger
        self.lockTimeout = lockTimeout
        self.eventLoop = eventLoop
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        let (sql, rawBinds) = serialize(query)
        let binds = try rawBinds.map { try encoder.encode($0) }
        let decoder = self.decoder
        let deadline = ContinuousClock.now + lockTimeout
        var pause = Duration.milliseconds(1)
        while true {
            do {
                try handle.execute(sql, binds) { columns, values in onRow(SQLiteDirectRow(columns: columns, values: values, decoder: decoder)) }
                return
            } catch let failure as SQLiteFailure where failure.retryable && ContinuousClock.now + pause < deadline {
                // Why sleep here rather than in SQLite's busy handler: that one would block a thread of the concurrency
                // pool (there are as many as cores) for as long as another process holds the lock.
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(50))
            }
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        promise.completeWithTask { try await self.execute(sql: query, onRow) }
        return promise.futureResult
    }
}

/// A result row of ``SQLiteDirectDatabase``: the statement's shared column table and this row's values.
struct SQLiteDirectRow: SQLRow {
    let columns: SQLiteColumns
    let values: [SQLiteData]
    let decoder: SQLiteDataDecoder

    var allColumns: [String] { columns.names }
    func contains(column: String) -> Bool { columns.index[column] != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let i = columns.index[column] else { return true }
        return values[i] == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let i = columns.index[column] else {
            throw DecodingError.keyNotFound(SQLiteColumnKey(stringValue: column),
                                            .init(codingPath: [], debugDescription: "no column \(column) in the result"))
        }
        // The common cases directly (a metatype test, then the value as it is); SQLiteKit's decoder, which every other
        // case still goes through, first casts the type to a protocol existential and the result back, on every column.
        switch values[i] {
        case .text(let text) where D.self == String.self: return unsafeBitCast(text, to: D.self)
        case .integer(let n) where D.self == Int64.self: return unsafeBitCast(Int64(n), to: D.self)
        default: return try decoder.decode(D.self, from: values[i])
        }
    }
}

private struct SQLiteColumnKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
