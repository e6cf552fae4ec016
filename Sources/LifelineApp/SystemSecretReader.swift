import Foundation
import LifelineCore

/// The composition root's ``SecretReader``: an operator's secret from this process's environment or from a file
/// (a container secret). The core and the adapters read no environment and no secret file themselves.
public struct SystemSecretReader: SecretReader {
    /// The environment to read; the process's own unless a test hands in another.
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) { self.environment = environment }

    public func read(_ location: SecretLocation) -> String? {
        switch location {
        case .environment(let name):
            return environment[name]
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            return String(data: data, encoding: .utf8)
        }
    }
}
