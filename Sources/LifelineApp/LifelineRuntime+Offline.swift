import LifelineCore

extension LifelineRuntime {
    /// Offline authentication's service (issue 17) over the runtime's store, key vault, clock and randomness: the agent
    /// API, the admin API, the console and the CLI (`lifeline agent register`) all use this one. Its notices wake the
    /// outbox dispatcher.
    public var offline: OfflineService {
        OfflineService(admin: admin, validation: validation, storage: store, onQueued: { [signal = outboxSignal] in signal.fire() })
    }
}
