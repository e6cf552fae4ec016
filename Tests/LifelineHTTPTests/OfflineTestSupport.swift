import Foundation
import HummingbirdTesting
import LifelineAuthenticatorKit
import LifelineCore
import Testing

/// Seeding for the offline authentication tests (issue 17), through the core.
extension Fixture {
    /// Applies an `offline:` section to `tenant`'s recovery configuration (enabled, 6-digit passcodes allowed, so an app
    /// token's tokencode alone downloads data).
    func offlinePolicy(_ policy: OfflinePolicy = OfflinePolicy(enabled: true, minPasscodeLength: 6), tenant: String = "acme") async throws {
        var config = try await runtime.admin.recoveryConfig(tenantName: tenant, caller: .cli)
        config.offline = policy
        _ = try await runtime.admin.applyRecoveryConfig(tenantName: tenant, config, caller: .cli)
    }

    /// Registers an agent of `tenant` through the core; returns it with its key.
    func agent(_ name: String = "laptop1", tenant: String = "acme") async throws -> RegisteredAgent {
        try await runtime.offline.registerAgent(tenantName: tenant, name: name, caller: .cli)
    }

    /// The agent API's body for `user` with `passcode` at machine `laptop-7`.
    func agentBody(_ user: String = "alice", passcode: String, machine: String = "laptop-7") -> String {
        String(decoding: try! JSONEncoder().encode(OfflineWire.AuthenticateRequest(user: user, passcode: passcode, machine: machine)), as: UTF8.self)
    }
}

/// The answer of the agent API, decoded with the Kit's own keys (as the agent decodes it).
func agentAnswer(_ r: TestResponse) throws -> OfflineWire.AuthenticateResponse {
    try JSONDecoder().decode(OfflineWire.AuthenticateResponse.self, from: Data(String(buffer: r.body).utf8))
}

/// A JSON body's top-level object.
func jsonObject(_ r: TestResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: r.body).utf8)) as? [String: Any])
}
