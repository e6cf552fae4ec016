import Foundation
import LifelineCore
import Synchronization

/// Key-encryption keys from a JSON key file (`{"current": id, "keys": {id: base64}}`, mode 0600) or from
/// configuration (`keys.kek`, base64, plus `keys.previous` for keys that only decrypt).
///
/// The file is re-read when its modification time changes (checked at most every 2 seconds) and whenever a
/// ciphertext names an unknown key, so `lifeline keys rotate` in another process takes effect without a restart.
public final class FileKeyVault: KeyVault {
    private struct State { var ring: KeyRing; var mtime: Date?; var checkedAt: Date }
    private let path: String?
    private let state: Mutex<State>

    /// A vault over the key file at `path`, creating it with a fresh key if it does not exist.
    public init(path: String, random: any RandomSource) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            let key = random.bytes(32)
            try Self.write(path: path, current: KeyRing.deriveID(for: key), keys: [KeyRing.deriveID(for: key): key])
        }
        let (ring, mtime) = try Self.load(path: path)
        state = Mutex(State(ring: ring, mtime: mtime, checkedAt: Date()))
    }

    /// A vault over keys given in configuration; it never changes while running.
    public init(kek: [UInt8], previous: [[UInt8]]) throws {
        var keys = [KeyRing.deriveID(for: kek): kek]
        for p in previous { keys[KeyRing.deriveID(for: p)] = p }
        path = nil
        state = Mutex(State(ring: try KeyRing(currentID: KeyRing.deriveID(for: kek), keys: keys), mtime: nil, checkedAt: Date()))
    }

    public func ring() async throws -> KeyRing {
        guard let path else { return state.withLock { $0.ring } }
        let now = Date()
        let due = state.withLock { s -> Bool in
            guard now.timeIntervalSince(s.checkedAt) > 2 else { return false }
            s.checkedAt = now
            return true
        }
        if due, let mtime = try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date,
           mtime != state.withLock({ $0.mtime }) {
            return try await refreshed()
        }
        return state.withLock { $0.ring }
    }

    public func refreshed() async throws -> KeyRing {
        guard let path else { return state.withLock { $0.ring } }
        let (ring, mtime) = try Self.load(path: path)
        state.withLock { $0.ring = ring; $0.mtime = mtime; $0.checkedAt = Date() }
        return ring
    }

    /// Adds a new key to the file and makes it current; old keys stay for decryption. Returns the new key id.
    public func addKey(random: any RandomSource) throws -> String {
        guard let path else {
            throw LifelineError(.configuration, "keys come from configuration (keys.kek): rotate by setting a new keys.kek and moving the old one to keys.previous")
        }
        let (_, existing) = try Self.readFile(path: path)
        let key = random.bytes(32)
        let id = KeyRing.deriveID(for: key)
        var keys = existing
        keys[id] = key
        try Self.write(path: path, current: id, keys: keys)
        return id
    }

    private struct KeyFile: Codable { var current: String; var keys: [String: String] }

    private static func readFile(path: String) throws -> (current: String, keys: [String: [UInt8]]) {
        // Why refuse rather than warn: the file decrypts every seed and card key; one that group or others can read
        // may already have been copied, and a server that starts anyway hides it (OpenSSH refuses such keys too).
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & 0o077 != 0 {
            throw LifelineError(.configuration, "the key file \(path) is readable or writable by group or others (mode "
                + String(info.st_mode & 0o777, radix: 8) + "): run chmod 600 \(path), and rotate the keys if others may have read it")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw LifelineError(.configuration, "cannot read the key file \(path)")
        }
        guard let file = try? JSONDecoder().decode(KeyFile.self, from: data) else {
            throw LifelineError(.configuration, "the key file \(path) is not valid")
        }
        var keys: [String: [UInt8]] = [:]
        for (id, b64) in file.keys {
            guard let k = Data(base64Encoded: b64) else { throw LifelineError(.configuration, "key \(id) in \(path) is not base64") }
            keys[id] = Array(k)
        }
        return (file.current, keys)
    }

    private static func load(path: String) throws -> (KeyRing, Date?) {
        let (current, keys) = try readFile(path: path)
        let mtime = try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        return (try KeyRing(currentID: current, keys: keys), mtime)
    }

    /// Writes the file atomically (temp file + rename) with mode 0600: why 0600 — the key decrypts every seed.
    private static func write(path: String, current: String, keys: [String: [UInt8]]) throws {
        let file = KeyFile(current: current, keys: keys.mapValues { Data($0).base64EncodedString() })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data = try encoder.encode(file)
        let tmp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw LifelineError(.configuration, "cannot write the key file \(path)")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tmp))
        try handle.write(contentsOf: data)
        try handle.synchronize()
        try handle.close()
        guard rename(tmp, path) == 0 else { throw LifelineError(.configuration, "cannot replace the key file \(path)") }
    }
}
