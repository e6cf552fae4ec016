import Foundation
import LifelineTestSupport
import Testing

/// Why a peer could not be used. Tests fail (never skip) with this message: CI installs the tools through
/// scripts/test.sh, so a missing one is a broken machine, not an optional feature.
struct PeerError: Error, CustomStringConvertible {
    var description: String
}

/// A helper process started by a test (python3 peer or openssl), stopped by its pid.
final class PeerProcess: Sendable {
    let port: Int
    let outFile: URL
    private let process: ChildProcess
    private let directory: URL

    /// The repository root (for scripts/peers).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Starts `scripts/peers/<script>` with `arguments` plus `--out FILE`; waits until it prints its port.
    static func start(script: String, arguments: [String]) async throws -> PeerProcess {
        try requireTools()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-peer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent("records.jsonl")
        let stdout = dir.appendingPathComponent("stdout.txt"), stderr = dir.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        let process = try ChildProcess.spawn(["python3", root.appendingPathComponent("scripts/peers/\(script)").path] + arguments
                                             + ["--out", out.path], stdout: stdout.path, stderr: stderr.path)
        // Why a minute: CI runs every suite at once on 2 cores, and a Python start with aiosmtpd's imports can then
        // take longer than 15 s (it did once); a peer that fails exits, which ends the wait at once.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOf: stdout, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first, let port = Int(line.trimmingCharacters(in: .whitespaces)) {
                return PeerProcess(port: port, outFile: out, process: process, directory: dir)
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.stop()
        let errors = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
        throw PeerError(description: "\(script) did not start: \(errors)")
    }

    private init(port: Int, outFile: URL, process: ChildProcess, directory: URL) {
        self.port = port; self.outFile = outFile; self.process = process; self.directory = directory
    }

    deinit { stop() }

    /// Terminates the process (TERM, then KILL after 2 s) and removes its folder.
    func stop() {
        process.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The JSON lines written so far, decoded.
    func records<T: Decodable>(_ type: T.Type) throws -> [T] {
        let text = try String(contentsOf: outFile, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(T.self, from: Data($0.utf8)) }
    }

    /// Fails with a clear message when python3, aiosmtpd or openssl is missing.
    static func requireTools() throws {
        try toolCheck.get()
    }

    private static let toolCheck: Result<Void, PeerError> = {
        if run(["python3", "-c", "import aiosmtpd"]) != 0 {
            return .failure(PeerError(description: "python3 with aiosmtpd is required: `pip install aiosmtpd` (scripts/test.sh installs it)"))
        }
        if run(["openssl", "version"]) != 0 {
            return .failure(PeerError(description: "the openssl command is required (Debian package openssl)"))
        }
        return .success(())
    }()

    /// Runs a command through /usr/bin/env; its exit status (127 when not found).
    @discardableResult
    static func run(_ arguments: [String], in directory: URL? = nil) -> Int32 {
        do { return try ChildProcess.spawn(arguments, directory: directory?.path).wait() } catch { return 127 }
    }
}
