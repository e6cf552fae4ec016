import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A helper process of a test (openssl, oathtool, ldap-utils, a Python peer), started with `posix_spawn`.
///
/// Why not `Foundation.Process`: in the Foundation that ships with Swift 6.3.1, `Process.run()` scans
/// `/proc/self/fd` with a fixed buffer and reads past it once the test process has about 1,355 files open
/// (swift-corelibs-foundation PR #5472); the whole test run then dies with SIGSEGV. The test process holds many
/// stores at once, so that count is reachable. `posix_spawn` closes nothing itself: every descriptor this process
/// opens is close-on-exec already (SQLite's files, NIO's sockets), and the child's standard streams are files
/// opened by the spawn's own file actions.
///
/// Standard streams go to files, never pipes, so no child can block on a full pipe that nobody reads.
public final class ChildProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t
    /// The exit status once reaped (128 + signal for a child ended by a signal).
    private let status = Mutex<Int32?>(nil)

    private init(pid: pid_t) { self.pid = pid }

    /// Starts `/usr/bin/env arguments…` (so the program is found on PATH), with standard input read from `stdin`,
    /// output written to `stdout` and `stderr` (each a path; nil is /dev/null), in `directory` if given.
    public static func spawn(_ arguments: [String], stdin: String? = nil, stdout: String? = nil, stderr: String? = nil,
                             directory: String? = nil) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // glibc has no portable chdir file action in Swift's view of spawn.h; coreutils' env changes directory.
        let argv = ["/usr/bin/env"] + (directory.map { ["-C", $0] } ?? []) + arguments
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/usr/bin/env", &actions, nil, &cArgs, environ)
        guard rc == 0 else { throw ChildProcessError(description: "cannot start \(arguments.joined(separator: " ")): \(String(cString: strerror(rc)))") }
        return ChildProcess(pid: pid)
    }

    /// Runs `arguments` to its end with `input` on standard input; its exit status and standard output.
    public static func run(_ arguments: [String], input: [UInt8] = [], directory: String? = nil) throws -> (status: Int32, output: [UInt8]) {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let inPath = folder.path("stdin"), outPath = folder.path("stdout")
        guard FileManager.default.createFile(atPath: inPath, contents: Data(input)) else {
            throw ChildProcessError(description: "cannot write \(inPath)")
        }
        let child = try spawn(arguments, stdin: inPath, stdout: outPath, directory: directory)
        let status = child.wait()
        let output = FileManager.default.contents(atPath: outPath).map(Array.init) ?? []
        return (status, output)
    }

    /// True until the child has ended (it is reaped then).
    public var isRunning: Bool {
        status.withLock { status in
            if status != nil { return false }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return true }
            status = Self.decode(raw)
            return false
        }
    }

    /// Waits for the child to end; its exit status.
    @discardableResult
    public func wait() -> Int32 {
        status.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
            let decoded = Self.decode(raw)
            status = decoded
            return decoded
        }
    }

    /// Ends the child: TERM, then KILL after `grace`, and reaps it.
    /// Why the KILL: a test runner may start children with TERM blocked; a helper must never outlive its test.
    public func stop(grace: Duration = .seconds(2)) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if isRunning { kill(pid, SIGKILL) }
        wait()
    }

    /// `waitpid`'s status word: the exit code, or 128 + the signal that ended the child (as a shell reports it).
    private static func decode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }
}

/// Why a helper process could not be started.
public struct ChildProcessError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
}

/// A fresh folder under the temporary directory (a child's stream files).
public struct TemporaryFolder {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}
