import Foundation
import LifelineCore
import LifelineHTTP
import Logging

/// The composition root's ``OperationsObserver``: counts every event in the Prometheus metrics and writes throttles,
/// pauses and lockouts to the log at warning level, with the tenant and a subject that is no secret (a token or user
/// id; never a username or a code). docs/metrics.md lists both.
///
/// Why per-address refusals are counted but not logged: under a flood from one address a warning per refused request
/// would flood the log too; the access log shows them with status 429.
public struct OperationsRecorder: OperationsObserver {
    let metrics: HTTPMetrics
    let logger: Logger

    public init(metrics: HTTPMetrics, logger: Logger) { self.metrics = metrics; self.logger = logger }

    public func observe(_ event: OperationalEvent) {
        metrics.observe(event)
        guard case .limit(let kind, let tenant, let subject, let until) = event, kind != .addressRateLimit else { return }
        var metadata: Logger.Metadata = ["limit": "\(kind.rawValue)", "tenant": "\(tenant ?? "-")", "subject": "\(subject ?? "-")"]
        if let until { metadata["until"] = "\(until.formatted(.iso8601))" }
        logger.warning("\(Self.message(kind))", metadata: metadata)
    }

    static func message(_ kind: LimitKind) -> String {
        switch kind {
        case .tokenThrottled: "code refused: token throttled after consecutive failures"
        case .tokenLocked: "code refused: token locked"
        case .tokenLockout: "token locked: too many wrong codes (otp.maxFail)"
        case .recoveryPaused: "recovery refused: guessing budget paused"
        case .budgetExhausted: "recovery paused: guessing budget used up"
        case .addressRateLimit: "request refused: too many requests from this address"
        }
    }
}
