import Foundation
import LifelineCore
import Logging
import ServiceLifecycle
import SQLKit
import Synchronization

/// The storage adapter: every store port of the core, in one SQL implementation for SQLite and PostgreSQL.
public final class SQLStore: Sendable {
    let backend: any SQLBackend
    let tenantsByName = LookupCache<Tenant>()
    /// API keys by id, re-read from the database at least every ``apiKeyRecheckInterval`` (why: a key revoked or
    /// deleted by another process must be refused here within 5 s; issue 13).
    let apiKeysByID = TTLCache<APIKey>(ttl: SQLStore.apiKeyRecheckInterval)
    /// When this process last wrote each key's `last_used_at` (see ``recordAPIKeyUse(_:at:)``).
    let apiKeyUses = Mutex<[String: Date]>([:])
    /// When this process last wrote each agent's `last_seen_at` (see ``touchAgent(id:at:)``).
    let agentTouches = Mutex<[UUID: Date]>([:])
    /// Recovery configurations by tenant id (nil: none applied), for at most 5 s.
    let recoveryConfigs = TTLCache<RecoveryConfig?>(ttl: .seconds(5))
    /// Decoy statistics by tenant id, for at most 5 minutes (why: six aggregate queries over all users must not run
    /// per flow, and a decoy needs the distribution, not the newest user).
    let recoveryStatisticsCache = TTLCache<RecoveryStatistics>(ttl: .seconds(300))
    /// The flows this process last wrote, each with its version, so that reading a flow back need not decode its
    /// stored JSON again (decoding was about 7 % of a recovery flow's CPU time).
    ///
    /// Why it can never answer stale: it is only a shortcut for the decoding. ``flow(id:)`` still reads the row, and
    /// uses the cached flow only when the row's version is the cached one. Every stored change bumps the version in
    /// the same compare-and-set statement, so an equal version means the row holds exactly the state this process
    /// wrote (another process's change, a purge or a rollback shows up as another version, or no row). Put only after
    /// the write committed.
    let flowStates = LookupCache<RecoveryFlow>()
    /// Each audit chain's head as this store last wrote it, by chain (a hint for ``appendAudit(_:in:)``'s
    /// compare-and-set, never trusted without it).
    let auditHeads = Mutex<[String: (seq: Int64, hash: String)]>([:])
    /// Where the audit chain's keys come from (see ``keyAuditChain(with:)``); nil: legacy unkeyed events (tests only).
    let auditVault = Mutex<(any KeyVault)?>(nil)

    /// How long a cached API key is trusted before its row is read again: one read per key per 2 s, a revocation
    /// seen everywhere within 2 s.
    public static let apiKeyRecheckInterval: Duration = .seconds(2)
    /// How often at most this process writes a key's `last_used_at`.
    public static let apiKeyUseGranularity: TimeInterval = 60

    public init(backend: any SQLBackend) { self.backend = backend }

    /// Keys the audit chain from now on: new events are MACed with the chain key of the vault's current key, and
    /// verification looks keys up by the id each event records. The runtime always calls this; a store that is never
    /// keyed writes the legacy unkeyed form, which a keyed chain refuses after its first keyed event.
    public func keyAuditChain(with vault: any KeyVault) { auditVault.withLock { $0 = vault } }

    /// The chain key for the next event (cached by the vault's ring: no query, no derivation per event).
    func currentAuditKey() async throws -> AuditKey? {
        guard let vault = auditVault.withLock({ $0 }) else { return nil }
        return AuditKey.current(in: try await vault.ring())
    }

    /// Opens SQLite at `path` or PostgreSQL at `url`. The store serves queries while ``run()`` runs (PostgreSQL
    /// connects only then): in a ServiceGroup, or through ``withRunning(_:)``.
    public static func open(sqlitePath: String? = nil, postgresURL: String? = nil, connectTimeout: Duration = .seconds(10),
                            logger: Logger) async throws -> SQLStore {
        if let postgresURL {
            return SQLStore(backend: try PostgresBackend.make(url: postgresURL, connectTimeout: connectTimeout, logger: logger))
        }
        guard let sqlitePath else { throw LifelineStoreError.badURL }
        return SQLStore(backend: try await SQLiteBackend.open(path: sqlitePath, logger: logger))
    }

    /// Applies pending schema migrations; returns the versions applied.
    @discardableResult
    public func migrate() async throws -> [Int64] { try await Migrations.apply(on: backend) }

    /// Applies pending migrations up to version `last` only (tests of a migration on a database at the version before).
    @discardableResult
    func migrate(through last: Int64) async throws -> [Int64] { try await Migrations.apply(on: backend, through: last) }

    /// The database kind.
    public var kind: SQLKind { backend.kind }

    /// Returns once the database answers (PostgreSQL: ``run()`` started and a first query answered within the connect
    /// timeout). Throws ``LifelineStoreError/unreachable(_:)``.
    public func waitUntilReachable() async throws { try await backend.waitUntilReachable() }

    /// Runs `body` while the store's connections run in a child task, then ends that task and waits until every
    /// connection is closed (also when `body` throws). For the CLI commands and tests, which have no ServiceGroup.
    public func withRunning<R>(_ body: (SQLStore) async throws -> R) async throws -> R {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.run() }
            // The group waits for the cancelled run() (connections closed) before it returns or rethrows.
            defer { group.cancelAll() }
            try await waitUntilReachable()
            return try await body(self)
        }
    }

    /// Appends one chained audit event to the record's chain (``AuditRecord/chain``) inside the caller's transaction `db`.
    ///
    /// The chain's head row is updated first: on PostgreSQL that row lock serializes concurrent appends to the chain
    /// (also across processes) and no other chain's; on SQLite the write transaction already does. So no chain forks.
    ///
    /// The fast path (2 statements instead of 3) chains onto the head this store saw last and moves the head only if
    /// it is still exactly that (seq and hash): a compare-and-set. Why safe: if another process appended, or the
    /// transaction that wrote the remembered head was rolled back, the CAS matches no row and the event is chained
    /// onto the head read from the database instead; a remembered head never ends up in the chain unless the
    /// database holds it at that moment, under the row lock.
    func appendAudit(_ r: AuditRecord, in db: any SQLDatabase) async throws {
        let key = try await currentAuditKey()
        let chain = r.chain
        if let known = auditHeads.withLock({ $0[chain] }) {
            let event = AuditChain.append(r, after: known, key: key)
            if try await casAudit(event, known: known, in: db) {
                auditHeads.withLock { $0[chain] = (event.seq, event.hash) }
                return
            }
        }
        // A chain's first event creates its head row. Why ON CONFLICT: another transaction may create it at the same
        // time; on PostgreSQL this insert then waits for that one and does nothing, and the UPDATE below locks the row.
        try await db.raw("INSERT INTO audit_heads (chain, seq, hash) VALUES (\(bind: chain), 0, \(bind: AuditChain.genesis)) ON CONFLICT (chain) DO NOTHING").run()
        guard let head = try await db.raw("UPDATE audit_heads SET seq = seq + 1 WHERE chain = \(bind: chain) RETURNING seq, hash").first() else {
            throw LifelineError(.internalError, "audit head missing")
        }
        let seq = try head.decode(column: "seq", as: Int64.self)
        let prev = try head.decode(column: "hash", as: String.self)
        let event = AuditChain.append(r, after: (seq - 1, prev), key: key)
        try await insertAudit(event, in: db)
        try await db.raw("UPDATE audit_heads SET hash = \(bind: event.hash) WHERE chain = \(bind: chain)").run()
        auditHeads.withLock { $0[chain] = (event.seq, event.hash) }
    }

    /// Moves the head from `known` to `event` and inserts `event` if the head is still `known`; false (nothing written)
    /// otherwise. On PostgreSQL one statement (a data-modifying CTE: the insert runs only if the compare-and-set matched),
    /// since every statement there is a round trip; on SQLite, which has no such CTEs, two.
    private func casAudit(_ event: AuditEvent, known: (seq: Int64, hash: String), in db: any SQLDatabase) async throws -> Bool {
        guard kind == .postgres else {
            let moved = try await db.raw("""
                UPDATE audit_heads SET seq = \(bind: event.seq), hash = \(bind: event.hash)
                WHERE chain = \(bind: event.chain) AND seq = \(bind: known.seq) AND hash = \(bind: known.hash) RETURNING seq
                """).first()
            guard moved != nil else { return false }
            try await insertAudit(event, in: db)
            return true
        }
        return try await db.raw(Self.casAuditStatement(event, known: known, gate: nil)).first() != nil
    }

    /// Runs `change` (an `UPDATE … RETURNING` of at most one row) and, only if it changed a row, appends `record` to
    /// the audit chain, inside the caller's transaction `db`. False when `change` matched no row: then nothing was
    /// written, no audit event either.
    ///
    /// Why: a validation's single-use guard and its audit event are the two writes of every accepted code. On
    /// PostgreSQL, where each statement is a round trip on the one connection that write batches run on, they are one
    /// data-modifying CTE when the remembered audit head is still the database's; the audit insert depends on the
    /// change through `EXISTS (SELECT 1 FROM changed)`, so a change that matched nothing writes no event. When the
    /// head was stale, the change is kept and the event goes through ``appendAudit(_:in:)`` like any other.
    func changeThenAudit(_ change: SQLQueryString, audit r: AuditRecord, in db: any SQLDatabase) async throws -> Bool {
        if kind == .postgres, let known = auditHeads.withLock({ $0[r.chain] }) {
            let event = AuditChain.append(r, after: known, key: try await currentAuditKey())
            guard let row = try await db.raw(Self.casAuditStatement(event, known: known, gate: change)).first() else {
                throw LifelineError(.internalError, "no result of a change with its audit event")
            }
            guard try row.decode(column: "changed", as: Int64.self) > 0 else { return false }
            if try row.decode(column: "logged", as: Int64.self) > 0 {
                auditHeads.withLock { $0[event.chain] = (event.seq, event.hash) }
            } else {
                try await appendAudit(r, in: db)
            }
            return true
        }
        guard try await db.raw(change).first() != nil else { return false }
        try await appendAudit(r, in: db)
        return true
    }

    /// PostgreSQL's compare-and-set of the audit head with the insert of `event`, as one statement. With a `gate`
    /// (an `UPDATE … RETURNING`), the head moves only if the gate changed a row, and the statement answers one row:
    /// `changed` (rows the gate changed) and `logged` (events inserted). Without, it answers a row only if it inserted.
    private static func casAuditStatement(_ event: AuditEvent, known: (seq: Int64, hash: String), gate: SQLQueryString?) -> SQLQueryString {
        let r = event.record
        var sql: SQLQueryString = "WITH "
        if let gate { sql += "changed AS (\(gate)), " }
        sql += """
            moved AS (UPDATE audit_heads SET seq = \(bind: event.seq), hash = \(bind: event.hash)
              WHERE chain = \(bind: event.chain) AND seq = \(bind: known.seq) AND hash = \(bind: known.hash)\(unsafeRaw: gate == nil ? "" : " AND EXISTS (SELECT 1 FROM changed)")
              RETURNING seq),
            logged AS (INSERT INTO audit_events (chain, seq, time, tenant, actor, subject, event, outcome, reason, source, prev_hash, hash, mac_key_id)
              SELECT \(bind: event.chain), moved.seq, \(bind: Row.millis(r.time)), \(bind: r.tenant), \(bind: r.actor), \(bind: r.subject), \(bind: r.event),
                \(bind: r.outcome), \(bind: r.reason), \(bind: r.source), \(bind: event.previousHash), \(bind: event.hash), \(bind: event.macKeyID) FROM moved
              RETURNING seq)

            """
        sql += gate == nil ? "SELECT seq FROM logged" : "SELECT (SELECT count(*) FROM changed) AS changed, (SELECT count(*) FROM logged) AS logged"
        return sql
    }

    private func insertAudit(_ event: AuditEvent, in db: any SQLDatabase) async throws {
        let r = event.record
        try await db.raw("""
            INSERT INTO audit_events (chain, seq, time, tenant, actor, subject, event, outcome, reason, source, prev_hash, hash, mac_key_id)
            VALUES (\(bind: event.chain), \(bind: event.seq), \(bind: Row.millis(r.time)), \(bind: r.tenant), \(bind: r.actor), \(bind: r.subject), \(bind: r.event),
              \(bind: r.outcome), \(bind: r.reason), \(bind: r.source), \(bind: event.previousHash), \(bind: event.hash), \(bind: event.macKeyID))
            """).run()
    }
}

extension SQLStore: HealthProbe {
    public func isReachable() async -> Bool {
        (try? await backend.read { try await $0.raw("SELECT 1 AS one").first() != nil }) ?? false
    }
}

/// Row decoding helpers shared by the store's files.
enum Row {
    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
    /// The stored form of an id: lowercase 8-4-4-4-12 hex (what `uuidString.lowercased()` gives, without its two
    /// string allocations and Foundation formatting: ids are written and read on every request).
    static func id(_ uuid: UUID) -> String {
        withUnsafeBytes(of: uuid.uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { out in
                var o = 0
                for (i, b) in bytes.enumerated() {
                    if i == 4 || i == 6 || i == 8 || i == 10 { out[o] = UInt8(ascii: "-"); o += 1 }
                    out[o] = hex[Int(b >> 4)]; out[o + 1] = hex[Int(b & 0x0f)]; o += 2
                }
                return o
            }
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Parses an id in 8-4-4-4-12 hex form (either case), or nil.
    static func parseID(_ text: String) -> UUID? {
        var text = text
        return text.withUTF8 { utf8 -> UUID? in
            guard utf8.count == 36 else { return nil }
            var bytes = [UInt8](repeating: 0, count: 16)
            var n = 0
            var i = 0
            while i < 36 {
                if i == 8 || i == 13 || i == 18 || i == 23 {
                    guard utf8[i] == UInt8(ascii: "-") else { return nil }
                    i += 1
                    continue
                }
                guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
                bytes[n] = hi << 4 | lo
                n += 1
                i += 2
            }
            return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                               bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        }
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    static func uuid(_ row: any SQLRow, _ column: String) throws -> UUID {
        guard let u = parseID(try row.decode(column: column, as: String.self)) else {
            throw LifelineError(.integrity, "column \(column) holds no UUID")
        }
        return u
    }

    static func enumValue<E: RawRepresentable>(_ row: any SQLRow, _ column: String, as: E.Type) throws -> E where E.RawValue == String {
        guard let e = E(rawValue: try row.decode(column: column, as: String.self)) else {
            throw LifelineError(.integrity, "column \(column) holds an unknown value")
        }
        return e
    }
}

/// The store in a ServiceGroup: `serve` lists it first, so that it shuts down last (after the HTTP server and the
/// background services, which still write while they stop).
extension SQLStore: Service {
    /// Keeps the connections open (PostgreSQL: runs the connection pool) until graceful shutdown or cancellation,
    /// then closes them.
    public func run() async throws { await backend.run() }
}
