import LifelineCore
import Synchronization

/// The flows this process last wrote, each with its version, so that reading a flow back need not decode its stored
/// JSON again (decoding was about 7 % of a recovery flow's CPU time).
///
/// Why it can never answer stale: it is only a shortcut for the decoding. ``SQLStore/flow(id:)`` still reads the row,
/// and uses the cached flow only when the row's version is the cached one. Every stored change bumps the version in
/// the same compare-and-set statement, so an equal version means the row holds exactly the state this process wrote
/// (another process's change, a purge or a rollback shows up as another version, or no row).
final class FlowStateCache: Sendable {
    private let entries = Mutex<[String: RecoveryFlow]>([:])
    private let capacity: Int

    init(capacity: Int = 10_000) { self.capacity = capacity }

    /// The cached flow of `id`, whatever its version (the caller compares it with the row's).
    func flow(_ id: String) -> RecoveryFlow? { entries.withLock { $0[id] } }

    /// Remembers `flow` as stored, at its `version`; call only after the write committed.
    func put(_ id: String, _ flow: RecoveryFlow) {
        entries.withLock { dict in
            // Bounded: past the capacity it starts over (a miss only costs a decode).
            if dict.count >= capacity, dict[id] == nil { dict.removeAll(keepingCapacity: true) }
            dict[id] = flow
        }
    }

    func remove(_ id: String) { _ = entries.withLock { $0.removeValue(forKey: id) } }
}
