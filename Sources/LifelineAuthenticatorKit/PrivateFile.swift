#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#endif
import Foundation

/// A file only its owner may read, replaced atomically: what ``FileStateStore`` (the authenticator app) and
/// ``FileAgentStateStore`` (the laptop agent) keep their secrets in. Failures are ``PrivateFile/Failure`` with a message
/// for the user; each store wraps it in its own error type.
///
/// Writing: the bytes go to a new temporary file in the same directory, created with `O_CREAT | O_EXCL` and mode 0600
/// before any byte is written (why: a file created with the default mode and narrowed afterwards is readable by others
/// for a moment, and `O_EXCL` refuses a file or link an attacker placed there), flushed with `fsync`, then renamed over
/// the file (atomic: a crash leaves the old or the new content, never half of one).
///
/// Reading: a file that its group or others may read or write, or that another user owns, is REFUSED naming the fix
/// (`chmod 600`), like ssh refuses such a private key. Why refuse rather than warn: the file holds secrets; if others
/// could read it they may have copied it, and a warning scrolls by unseen.
enum PrivateFile {
    /// Why a private file could not be read or written.
    struct Failure: Error { var message: String }

    /// The file's bytes, nil when it does not exist. `hint` ends the message of a file others may read (what to do).
    static func read(_ path: String, hint: String) throws(Failure) -> Data? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw Failure(message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Failure(message: "cannot stat \(path)") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw Failure(message: "\(path) is not a regular file") }
        guard info.st_uid == geteuid() else { throw Failure(message: "\(path) belongs to another user") }
        guard info.st_mode & 0o077 == 0 else {
            throw Failure(message: "\(path) is readable or writable by others (mode \(String(info.st_mode & 0o777, radix: 8))); it holds secret keys: \(hint)")
        }
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glue.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw Failure(message: "cannot read \(path)") }
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        return Data(bytes)
    }

    /// Writes `data` to a new 0600 file and renames it over `path`.
    static func write(_ data: Data, to path: String) throws(Failure) {
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        var suffix = SystemRandomNumberGenerator()
        let temporary = "\(directory)/.\(name).\(String(suffix.next() as UInt64, radix: 16)).tmp"
        // Why O_EXCL | O_NOFOLLOW with 0600 here: the file is private from its creation (see the type's note).
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw Failure(message: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var ok = false
        defer { if !ok { unlink(temporary) } }
        do {
            defer { close(fd) }
            // The umask can only narrow 0600; fchmod makes it exactly 0600 (a 0400 file could not be replaced in place).
            guard fchmod(fd, 0o600) == 0 else { throw Failure(message: "cannot set the mode of \(temporary)") }
            let written: Bool = data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glue.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 { if errno == EINTR { continue }; return false }
                    offset += n
                }
                return true
            }
            guard written, fsync(fd) == 0 else { throw Failure(message: "cannot write \(temporary)") }
        }
        guard rename(temporary, path) == 0 else {
            throw Failure(message: "cannot replace \(path): \(String(cString: strerror(errno)))")
        }
        ok = true
        // Make the rename itself durable.
        let dfd = open(directory, O_RDONLY)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    /// Runs `body` holding an exclusive `flock` on `path + ".lock"` (created 0600), so that two processes sharing the
    /// file do not interleave a read-modify-write. Why: a laptop's verifier must accept a time step once, and must
    /// count every failure, even when two logins race.
    static func locked<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let lockPath = path + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw Failure(message: "cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw Failure(message: "cannot lock \(lockPath)") }
        }
        defer { _ = flock(fd, LOCK_UN) }
        return try body()
    }
}

/// The C library's `read` and `write`, named apart from the methods of the same name.
private enum Glue {
    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Darwin)
        Darwin.read(fd, buffer, count)
        #else
        Glibc.read(fd, buffer, count)
        #endif
    }
    static func write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Darwin)
        Darwin.write(fd, buffer, count)
        #else
        Glibc.write(fd, buffer, count)
        #endif
    }
}
