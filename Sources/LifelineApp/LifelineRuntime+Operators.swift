import LifelineCore

extension LifelineRuntime {
    /// The console's operators over the runtime's store, key vault, clock and randomness; failed logins are throttled
    /// with the OTP policy of token validation (issue 15: "the same throttling as validation").
    public var operators: OperatorService {
        OperatorService(storage: store, vault: vault, clock: clock, random: random, policy: config.otp)
    }

    /// The base URL of links handed out (operator enrolment): `server.publicURL`, else the listener's `scheme://host:port`.
    public var publicBaseURL: String {
        if let url = config.publicURL { return url.hasSuffix("/") ? String(url.dropLast()) : url }
        return "\(config.scheme)://\(config.host):\(config.port)"
    }
}
