import Foundation

/// Where a laptop agent keeps its ``AgentState``: a 0600 file (``FileAgentStateStore``, the reference agent), memory
/// (``MemoryAgentStateStore``, tests), or an app's Keychain item (e.g. one generic-password item with
/// `kSecAttrAccessibleWhenUnlockedThisDeviceOnly`).
///
/// Contract: `load` returns nil when nothing was saved yet; `update` runs its body on the current state and saves what
/// the body leaves, atomically and exclusively: no other `update` of the same store (in this process or another)
/// runs in between, and a reader sees the old or the new state, never a mix. Why exclusive: a time step must be
/// accepted once and every local failure counted, even when two logins race.
public protocol AgentStateStore: Sendable {
    /// The saved state, or nil when there is none.
    func load() throws -> AgentState?
    /// Runs `body` on the saved state (empty when none) under the store's lock and saves the result; returns the
    /// body's value. When the body throws nothing is saved.
    func update<T>(_ body: (inout AgentState) throws -> T) throws -> T
}

/// An ``AgentStateStore`` in a JSON file that only its owner can read (mode 0600), written by atomic replace, with
/// `update` serialized by an exclusive `flock` on `FILE.lock` (see ``PrivateFile``). An unsafe file (others may read
/// it, another owner) is refused with ``AgentClientError/stateFile(_:)``.
public struct FileAgentStateStore: AgentStateStore {
    /// The state file's path.
    public let path: String

    /// A store at `path` (`~` is expanded).
    public init(path: String) { self.path = (path as NSString).expandingTildeInPath }

    /// The state, nil when the file does not exist; throws when it is unsafe or unreadable.
    public func load() throws -> AgentState? {
        let bytes: Data?
        do {
            bytes = try PrivateFile.read(path, hint: "run 'chmod 600 \(path)' if no one else can have copied it, else wipe it and authenticate online again")
        } catch { throw AgentClientError.stateFile(error.message) }
        guard let bytes else { return nil }
        do {
            return try JSONDecoder().decode(AgentState.self, from: bytes)
        } catch {
            throw AgentClientError.stateFile("\(path) is not a Lifeline agent state file")
        }
    }

    /// Loads, runs `body`, saves, under an exclusive lock of `FILE.lock`.
    public func update<T>(_ body: (inout AgentState) throws -> T) throws -> T {
        do {
            return try PrivateFile.locked(path) {
                var state = try load() ?? AgentState()
                let result = try body(&state)
                try save(state)
                return result
            }
        } catch let failure as PrivateFile.Failure {
            throw AgentClientError.stateFile(failure.message)
        }
    }

    func save(_ state: AgentState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(state)
        do { try PrivateFile.write(data, to: path) } catch { throw AgentClientError.stateFile(error.message) }
    }
}

/// An ``AgentStateStore`` in memory (tests, previews).
public final class MemoryAgentStateStore: AgentStateStore, @unchecked Sendable {
    // Why @unchecked is safe: every access to `state` holds `lock`.
    private let lock = NSLock()
    private var state: AgentState?

    /// A store holding `state` (nil: empty).
    public init(_ state: AgentState? = nil) { self.state = state }

    /// The state held.
    public func load() throws -> AgentState? { lock.lock(); defer { lock.unlock() }; return state }

    /// Runs `body` on the state held under the lock; keeps the result unless the body throws.
    public func update<T>(_ body: (inout AgentState) throws -> T) throws -> T {
        lock.lock(); defer { lock.unlock() }
        var s = state ?? AgentState()
        let result = try body(&s)
        state = s
        return result
    }
}
