import Foundation

/// Where an app keeps its ``AuthenticatorState``: a file (``FileStateStore``), the iOS/macOS Keychain (an app's own
/// implementation, e.g. one generic-password item with `kSecAttrAccessibleWhenUnlockedThisDeviceOnly`), or memory.
///
/// Contract: `load` returns nil when nothing was saved yet; `save` replaces the whole state atomically (a reader sees the
/// old or the new state, never a mix), and either succeeds durably or throws.
public protocol AuthenticatorStateStore: Sendable {
    /// The saved state, or nil when there is none.
    func load() throws -> AuthenticatorState?
    /// Replaces the saved state.
    func save(_ state: AuthenticatorState) throws
}

/// A state kept in memory only (tests, previews).
public final class MemoryStateStore: AuthenticatorStateStore, @unchecked Sendable {
    private let lock = NSLock()
    private var state: AuthenticatorState?

    /// A store holding `state` (nil: empty).
    public init(_ state: AuthenticatorState? = nil) { self.state = state }

    /// The state held.
    public func load() throws -> AuthenticatorState? { lock.lock(); defer { lock.unlock() }; return state }

    /// Replaces the state held.
    public func save(_ state: AuthenticatorState) throws { lock.lock(); defer { lock.unlock() }; self.state = state }
}
