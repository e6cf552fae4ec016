import Foundation
import LifelineApp
import LifelineCore
import Testing

/// Issue 13 item 10: the key file decrypts every seed, so a copy that others can read is refused with a clear
/// error, at start and whenever it is re-read.
@Suite("Key file permissions")
struct KeyFilePermissionTests {
    @Test("A key file readable by group or others is refused, naming the file and the fix; 0600 and 0400 are taken")
    func groupOrWorldReadableRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-keyfile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/keys.json"
        _ = try FileKeyVault(path: path, random: SystemRandom())
        for mode in [0o640, 0o604, 0o644, 0o660, 0o666] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            #expect(throws: LifelineError.self, "mode \(String(mode, radix: 8))") { _ = try FileKeyVault(path: path, random: SystemRandom()) }
            do { _ = try FileKeyVault(path: path, random: SystemRandom()) } catch let e as LifelineError {
                #expect(e.message.contains(path) && e.message.contains("chmod 600"), "\(e.message)")
            }
        }
        for mode in [0o600, 0o400] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            _ = try FileKeyVault(path: path, random: SystemRandom())
        }
    }
}
