import Foundation
import LifelineDelivery

/// One request as recorded by scripts/peers/sms_receiver.py.
struct ReceivedRequest: Decodable {
    var method: String
    var path: String
    var query: String
    var headers: [String: String]
    var body: String

    /// The form-encoded body (or query) as a dictionary.
    static func form(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "<bad encoding>"
            }
            result[kv[0]] = kv.count > 1 ? kv[1] : ""
        }
        return result
    }
}

/// The SMS gateway stand-in as a test peer.
enum SMSPeer {
    static func start(failCount: Int = 0, failStatus: Int = 500) async throws -> PeerProcess {
        try await PeerProcess.start(script: "sms_receiver.py",
                                    arguments: ["--fail-count", "\(failCount)", "--fail-status", "\(failStatus)"])
    }

    /// Runs `body` with a sender, shutting its HTTP client down afterwards whatever happens.
    static func withSender<T>(_ configuration: SMSGatewayConfiguration,
                              _ body: (SMSGatewaySender) async throws -> T) async throws -> T {
        let sender = try SMSGatewaySender(configuration: configuration)
        do {
            let result = try await body(sender)
            try await sender.shutdown()
            return result
        } catch {
            try? await sender.shutdown()
            throw error
        }
    }
}
