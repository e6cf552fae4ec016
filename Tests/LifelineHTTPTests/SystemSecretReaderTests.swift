import Foundation
import LifelineApp
import LifelineCore
import Testing

/// The composition root's reading of operators' secrets (the LDAP service account's password), which moved out of
/// the core: the environment and files are read here, the rules (trimming, one message for every failure) stay there.
@Suite("System secret reader")
struct SystemSecretReaderTests {
    @Test func readsTheEnvironmentAndFilesAndNothingElse() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good").path
        try "s3cret\n".write(toFile: good, atomically: true, encoding: .utf8)
        let empty = dir.appendingPathComponent("empty").path
        try "\n".write(toFile: empty, atomically: true, encoding: .utf8)
        let reader = SystemSecretReader(environment: ["SET": "v"])
        #expect(reader.read(.environment("SET")) == "v")
        #expect(reader.read(.environment("UNSET")) == nil)
        #expect(reader.read(.file(good)) == "s3cret\n")
        #expect(reader.read(.file(dir.appendingPathComponent("missing").path)) == nil)
        // Through the core's rule: a file's trailing new line is dropped, and every failure reads the same.
        let base = LDAPSettings(url: "ldaps://x", bindDN: "cn=a", baseDN: "dc=x")
        var goodFile = base; goodFile.bindPasswordFile = good
        #expect(try goodFile.bindPassword(from: reader) == "s3cret")
        func message(_ s: LDAPSettings) -> String {
            do { _ = try s.bindPassword(from: reader); return "" } catch { return "\(error)" }
        }
        var missingFile = base; missingFile.bindPasswordFile = dir.appendingPathComponent("missing").path
        var emptyFile = base; emptyFile.bindPasswordFile = empty
        var missingEnv = base; missingEnv.bindPasswordEnv = "UNSET"
        let messages = [message(missingFile), message(emptyFile), message(missingEnv), message(base)]
        #expect(Set(messages).count == 1 && !messages[0].isEmpty, "\(messages)")
        #expect(!messages[0].contains(dir.path) && !messages[0].contains("UNSET"))
    }

    @Test func theDefaultEnvironmentIsTheProcesses() {
        let (name, value) = ProcessInfo.processInfo.environment.first { !$0.value.isEmpty } ?? ("PATH", "")
        #expect(SystemSecretReader().read(.environment(name)) == value)
    }
}
