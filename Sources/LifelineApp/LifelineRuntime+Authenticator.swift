import LifelineCore

extension LifelineRuntime {
    /// The Lifeline Authenticator's service (issue 16) over the runtime's store, key vault, clock and randomness: the
    /// app API, the admin API, the console and the CLI (`lifeline device activation`) all use this one.
    public var authenticator: AuthenticatorService {
        AuthenticatorService(admin: admin, storage: store, onQueued: { [signal = outboxSignal] in signal.fire() })
    }

    /// The helpdesk actions as the local server operator runs them (`lifeline pin block`, `lifeline ubc show`).
    public var helpdesk: HelpdeskService {
        HelpdeskService(admin: admin, storage: store, wakingLike: recovery)
    }
}
