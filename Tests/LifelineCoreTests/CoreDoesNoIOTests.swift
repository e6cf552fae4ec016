import Foundation
import Testing

/// The source folder of the core (read by this test, not by the server).
private let coreSources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Sources/LifelineCore")

/// The core does no file, environment or network I/O: the composition root reads secrets and resources and hands
/// them in as values or through ports (``SecretReader``), and adapters talk to the world.
@Suite("The core does no I/O")
struct CoreDoesNoIOTests {
    /// APIs that read or write files, the environment or the network. `ProcessInfo.processInfo.activeProcessorCount`
    /// (a default pool size) is not among them.
    static let forbidden = [
        "processInfo.environment", "getenv(", "setenv(", "FileManager", "FileHandle", "contentsOfFile", "Data(contentsOf", "String(contentsOf",
        "fopen(", "Bundle.", "URLSession", "import Network", "import NIO",
    ]

    @Test func noCoreSourceUsesAFileEnvironmentOrNetworkAPI() throws {
        let files = try #require(FileManager.default.enumerator(atPath: coreSources.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        #expect(files.count > 50, "found only \(files.count) core sources under \(coreSources.path)")
        var found: [String] = []
        for file in files {
            let text = try String(contentsOf: coreSources.appendingPathComponent(file), encoding: .utf8)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                // Comments may name the APIs (to say who uses them instead); code may not.
                let code = line.trimmingCharacters(in: .whitespaces)
                guard !code.hasPrefix("//") else { continue }
                for api in Self.forbidden where code.contains(api) { found.append("\(file):\(n + 1): \(api)") }
            }
        }
        #expect(found.isEmpty, "the core must do no I/O; move it to the composition root or an adapter: \(found)")
    }
}
