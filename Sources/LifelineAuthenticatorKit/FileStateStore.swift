#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#endif
import Foundation

/// An ``AuthenticatorStateStore`` in a JSON file that only its owner can read (mode 0600), as the reference app uses.
///
/// Writing: the state goes to a new temporary file in the same directory, created with `O_CREAT | O_EXCL` and mode
/// 0600 before any byte is written (why: a file created with the default mode and narrowed afterwards is readable by
/// others for a moment, and `O_EXCL` refuses a file or link an attacker placed there), flushed with `fsync`, then
/// renamed over the state file (atomic: a crash leaves the old or the new state, never half of one).
///
/// Reading: a state file that its group or others may read or write, or that another user owns, is REFUSED with
/// ``AuthenticatorClientError/stateFile(_:)`` naming the fix (`chmod 600`), like ssh refuses such a private key. Why
/// refuse rather than warn: the file holds the device's private key and the keys of the codes; if others could read
/// it they may have copied it, and a warning scrolls by unseen.
public struct FileStateStore: AuthenticatorStateStore {
    /// The state file's path.
    public let path: String

    /// A store at `path` (`~` is expanded).
    public init(path: String) { self.path = (path as NSString).expandingTildeInPath }

    /// The state, nil when the file does not exist; throws when it is unsafe (see the type's note) or unreadable.
    public func load() throws -> AuthenticatorState? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw AuthenticatorClientError.stateFile("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw AuthenticatorClientError.stateFile("cannot stat \(path)") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw AuthenticatorClientError.stateFile("\(path) is not a regular file") }
        guard info.st_uid == geteuid() else { throw AuthenticatorClientError.stateFile("\(path) belongs to another user") }
        guard info.st_mode & 0o077 == 0 else {
            throw AuthenticatorClientError.stateFile("\(path) is readable or writable by others (mode \(String(info.st_mode & 0o777, radix: 8))); it holds secret keys: run 'chmod 600 \(path)' if no one else can have copied it, else activate a new app")
        }
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw AuthenticatorClientError.stateFile("cannot read \(path)") }
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        do {
            return try JSONDecoder().decode(AuthenticatorState.self, from: Data(bytes))
        } catch {
            throw AuthenticatorClientError.stateFile("\(path) is not a Lifeline Authenticator state file")
        }
    }

    /// Writes `state` to a new 0600 file and renames it over the state file.
    public func save(_ state: AuthenticatorState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(state)
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        var suffix = SystemRandomNumberGenerator()
        let temporary = "\(directory)/.\(name).\(String(suffix.next() as UInt64, radix: 16)).tmp"
        // Why O_EXCL | O_NOFOLLOW with 0600 here: the file is private from its creation (see the type's note).
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw AuthenticatorClientError.stateFile("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var ok = false
        defer { if !ok { unlink(temporary) } }
        do {
            defer { close(fd) }
            // The umask can only narrow 0600; fchmod makes it exactly 0600 (a 0400 file could not be replaced in place).
            guard fchmod(fd, 0o600) == 0 else { throw AuthenticatorClientError.stateFile("cannot set the mode of \(temporary)") }
            let written: Bool = data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 { if errno == EINTR { continue }; return false }
                    offset += n
                }
                return true
            }
            guard written, fsync(fd) == 0 else { throw AuthenticatorClientError.stateFile("cannot write \(temporary)") }
        }
        guard rename(temporary, path) == 0 else {
            throw AuthenticatorClientError.stateFile("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
        ok = true
        // Make the rename itself durable.
        let dfd = open(directory, O_RDONLY)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }
}
