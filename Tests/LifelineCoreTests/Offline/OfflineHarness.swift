import Foundation
import LifelineAuthenticatorKit
import LifelineCore
import LifelineTestStore
import Testing

/// The offline service over the in-memory store: tenant `demo` with alice (a TOTP token, no PIN, 6 digits) and an
/// offline policy, agents registered by the command line, and the Kit's own verifier (``OfflineConstruction``).
struct OfflineHarness {
    let h: ServiceHarness
    let service: OfflineService
    /// A validate key of the tenant (for `/validate`).
    let validator = Principal(actor: "apikey:validator", scope: .validate)

    init() throws {
        h = try ServiceHarness()
        service = OfflineService(admin: h.admin, validation: h.validation, storage: h.store)
    }

    /// Seeds `demo` with `offline` (JSON of the `offline:` section) and returns alice's token id.
    @discardableResult
    func seed(offline: String = #"{"enabled": true, "min_passcode_length": 6}"#) async throws -> UUID {
        var config = try ServiceHarness.recoveryConfig()
        config.offline = try JSONDecoder().decode(OfflinePolicy.self, from: Data(offline.utf8))
        return try await h.seed(config: config)
    }

    /// Applies `offline` to `demo` (the rest of the configuration as seeded).
    func apply(offline: String) async throws {
        var config = try await h.admin.recoveryConfig(tenantName: "demo", caller: .cli)
        config.offline = try JSONDecoder().decode(OfflinePolicy.self, from: Data(offline.utf8))
        _ = try await h.admin.applyRecoveryConfig(tenantName: "demo", config, caller: .cli)
    }

    /// A registered agent and the principal of its key (as the HTTP adapter authenticates it).
    func agent(_ name: String = "laptops") async throws -> (RegisteredAgent, Principal) {
        let registered = try await service.registerAgent(tenantName: "demo", name: name, caller: .cli)
        let principal = try #require(try await h.admin.authenticate(presentedKey: registered.key, source: "192.0.2.9"))
        return (registered, principal)
    }

    func authenticate(_ agent: Principal, _ passcode: String, user: String = "alice", machine: String = "mac-1") async throws
        -> OfflineWire.AuthenticateResponse {
        try await service.authenticate(OfflineWire.AuthenticateRequest(user: user, passcode: passcode, machine: machine), caller: agent)
    }

    func refill(_ agent: Principal, _ token: String, user: String = "alice", machine: String = "mac-1") async throws -> OfflineWire.AuthenticateResponse {
        try await service.refill(OfflineWire.RefillRequest(user: user, machine: machine, refillToken: token), caller: agent)
    }

    /// An operator of every tenant with `role`.
    func op(_ role: Role = .helpdesk) -> Principal { Principal(.operator(name: "anna"), source: "192.0.2.1", roles: [role], tenants: nil) }

    /// The current TOTP step.
    func step() -> Int64 { HOTP.timeStep(unixTime: Int64(h.clock.now().timeIntervalSince1970), period: 30) }

    /// The code of ``ServiceHarness/secret`` at `step`.
    static func code(_ step: Int64, secret: [UInt8] = ServiceHarness.secret) -> String {
        HOTP.code(secret: secret, counter: UInt64(step), digits: 6, algorithm: .sha1)
    }

    /// Whether `data` verifies `passcode` at `step` (the agent's check, with the Kit's construction).
    static func verifies(_ data: OfflineData, _ passcode: String, at step: Int64) -> Bool {
        guard step >= data.firstStep, step < data.firstStep + Int64(data.steps) else { return false }
        let tags = Array(Data(base64Encoded: data.tags)!), salt = Array(Data(base64Encoded: data.salt)!)
        let i = Int(step - data.firstStep) * OfflineConstruction.tagBytes
        return OfflineConstruction.matches(expected: Array(tags[i..<i + OfflineConstruction.tagBytes]), salt: salt, step: step, passcode: passcode,
                                           hiddenBits: data.hiddenBits)
    }

    func trail() -> [String] { h.auditTrail() }
}
