import Foundation

/// An ``AuthenticatorStateStore`` in a JSON file that only its owner can read (mode 0600), as the reference app uses.
///
/// Writing: the state goes to a new temporary file in the same directory, created with `O_CREAT | O_EXCL` and mode
/// 0600 before any byte is written, flushed with `fsync`, then renamed over the state file (atomic: a crash leaves the
/// old or the new state, never half of one).
///
/// Reading: a state file that its group or others may read or write, or that another user owns, is REFUSED with
/// ``AuthenticatorClientError/stateFile(_:)`` naming the fix (`chmod 600`), like ssh refuses such a private key. Why
/// refuse rather than warn: the file holds the device's private key and the keys of the codes; if others could read
/// it they may have copied it, and a warning scrolls by unseen. The file handling is ``PrivateFile``'s, which the
/// laptop agent's ``FileAgentStateStore`` shares.
public struct FileStateStore: AuthenticatorStateStore {
    /// The state file's path.
    public let path: String

    /// A store at `path` (`~` is expanded).
    public init(path: String) { self.path = (path as NSString).expandingTildeInPath }

    /// The state, nil when the file does not exist; throws when it is unsafe (see the type's note) or unreadable.
    public func load() throws -> AuthenticatorState? {
        let bytes: Data?
        do {
            bytes = try PrivateFile.read(path, hint: "run 'chmod 600 \(path)' if no one else can have copied it, else activate a new app")
        } catch { throw AuthenticatorClientError.stateFile(error.message) }
        guard let bytes else { return nil }
        do {
            return try JSONDecoder().decode(AuthenticatorState.self, from: bytes)
        } catch {
            throw AuthenticatorClientError.stateFile("\(path) is not a Lifeline Authenticator state file")
        }
    }

    /// Writes `state` to a new 0600 file and renames it over the state file.
    public func save(_ state: AuthenticatorState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(state)
        do { try PrivateFile.write(data, to: path) } catch { throw AuthenticatorClientError.stateFile(error.message) }
    }
}
