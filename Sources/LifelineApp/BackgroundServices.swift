import Foundation
import LifelineCore
import LifelineDelivery
import Logging
import ServiceLifecycle

extension LifelineRuntime {
    /// The long-running services of `serve` besides the HTTP server: the outbox dispatcher with its providers
    /// (SMTP for email, the HTTP gateway for SMS, the development outbox in demo mode for what is not configured)
    /// and the janitor that deletes expired flows. Throws for bad delivery settings, so they show at start-up.
    public func backgroundServices(logger: Logger) throws -> [any Service] {
        var services: [any Service] = [RecoveryJanitor(store: store, clock: clock, budgetForgiveAfter: config.budget.forgiveAfter, logger: logger)]
        services.append(DirectorySyncScheduler(service: directoryUsers, logger: logger))
        if config.auditAnchorInterval > 0 {
            services.append(AuditAnchorWriter(store: store, clock: clock, path: config.auditAnchorPath,
                                              interval: .seconds(config.auditAnchorInterval), logger: logger))
        }
        var senders: [MessageChannel: any MessageSender] = [:]
        let d = config.delivery
        if let host = d.smtpHost {
            let security: SMTPConfiguration.Security = d.smtpSecurity == "tls" ? .tls : d.smtpSecurity == "none" ? .none : .startTLS
            senders[.email] = try SMTPSender(configuration: SMTPConfiguration(
                host: host, port: d.smtpPort, security: security, caFilePath: d.smtpCAFile, username: d.smtpUsername,
                password: d.smtpPassword, fromAddress: d.smtpFrom, fromName: d.smtpFromName), clock: clock, logger: logger)
        }
        if let url = d.smsURL {
            let auth: SMSGatewayConfiguration.Authentication
            if let token = d.smsToken { auth = .bearer(token: token) }
            else if let user = d.smsUsername { auth = .basic(username: user, password: d.smsPassword ?? "") }
            else { auth = .none }
            let sms = try SMSGatewaySender(configuration: SMSGatewayConfiguration(
                url: url, method: SMSGatewayConfiguration.Method(rawValue: d.smsMethod) ?? .post, headers: d.smsHeaders,
                authentication: auth, encoding: d.smsEncoding == "json" ? .json : .form, fields: d.smsFields, from: d.smsFrom,
                caFilePath: d.smsCAFile, timeout: .seconds(d.smsTimeout)), logger: logger)
            senders[.sms] = sms
            services.append(sms)
        }
        if let devOutbox {
            // Demo mode: whatever has no real provider is kept for /dev/outbox instead.
            for channel in MessageChannel.allCases where senders[channel] == nil { senders[channel] = devOutbox }
        }
        if !senders.isEmpty {
            let dispatcher = try OutboxDispatcher(store: store, vault: vault, senders: senders, clock: clock, logger: logger, observer: observer)
            outboxSignal.connect { dispatcher.wake() }
            services.append(dispatcher)
        } else {
            logger.warning("no message delivery is configured: SMS and email codes wait in the outbox (see docs/delivery.md)")
        }
        return services
    }
}

/// Deletes expired recovery flows and stale counters every ten minutes (flows are kept a day past expiry for
/// support questions; their audit events stay forever).
struct RecoveryJanitor: Service {
    let store: any RecoveryStore
    let clock: any LifelineClock
    /// Seconds per forgiven wrong answer (`recovery.budget.forgiveAfter`): budgets are kept until all are forgiven.
    var budgetForgiveAfter = GuessBudgetPolicy().forgiveAfter
    let logger: Logger

    func run() async throws {
        // Ends when the server shuts down gracefully (the sleep is cancelled then).
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let n = try await store.purgeRecovery(before: clock.now().addingTimeInterval(-86_400 * 2), budgetForgiveAfter: budgetForgiveAfter)
                    if n > 0 { logger.info("purged expired recovery flows", metadata: ["count": "\(n)"]) }
                } catch {
                    logger.warning("purging expired recovery flows failed", metadata: ["error_type": "\(type(of: error))"])
                }
                do { try await Task.sleep(for: .seconds(600)) } catch { return }
            }
        }
    }
}
