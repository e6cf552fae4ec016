import Foundation
import LifelineCore
import LifelineTestStore
import Testing

/// The services over the in-memory store: no database, no network. The outbox is the store's (a fake: messages are
/// read back and opened, never sent).
struct ServiceHarness {
    let store: InMemoryStore
    let vault: FixedKeyVault
    let clock: ManualClock
    let admin: AdminService
    let validation: ValidationService
    let recovery: RecoveryService

    /// Unix time 1_800_000_010: 10 s into TOTP step 60_000_000.
    static let start = Date(timeIntervalSince1970: 1_800_000_010)
    /// A TOTP seed of 160 bits (what `enrollToken` accepts as an import).
    static let secret: [UInt8] = Array(0..<20)

    init(policy: OTPPolicy = OTPPolicy()) throws {
        vault = try FixedKeyVault()
        store = InMemoryStore(vault: vault)
        clock = ManualClock(Self.start)
        let random = CSPRNG()
        admin = AdminService(storage: store, vault: vault, clock: clock, random: random, policy: policy)
        validation = ValidationService(storage: store, vault: vault, clock: clock, policy: policy)
        recovery = RecoveryService(storage: store, vault: vault, clock: clock, random: random, validation: validation, policy: policy,
                                   catalog: MessageCatalog.catalog)
    }

    /// Tenant `demo` (with `config`, when given) and user `alice` with a verified phone and email and a TOTP token
    /// with ``secret``; returns the token's id.
    @discardableResult
    func seed(config: RecoveryConfig? = nil) async throws -> UUID {
        _ = try await admin.createTenant(name: "demo", displayName: "Demo", caller: .cli)
        if let config { _ = try await admin.applyRecoveryConfig(tenantName: "demo", config, caller: .cli) }
        var alice = AdminService.NewUser(username: "alice")
        alice.phones = ["+420777123789"]
        alice.emails = ["alice@demo.example"]
        _ = try await admin.createUser(tenantName: "demo", alice, caller: .cli)
        var request = EnrollmentRequest(type: .totp)
        request.secretBase32 = Base32.encode(Self.secret)
        return try await admin.enrollToken(tenantName: "demo", username: "alice", request, caller: .cli).token.id
    }

    /// The TOTP code of ``secret`` at the clock's time, `offset` steps away.
    func totp(_ offset: Int64 = 0) -> String {
        let step = HOTP.timeStep(unixTime: Int64(clock.now().timeIntervalSince1970), period: 30)
        return HOTP.code(secret: Self.secret, counter: UInt64(step + offset), digits: 6, algorithm: .sha1)
    }

    /// A code that matches no step near the clock's (not even as drift), so it is plainly wrong.
    func wrongCode() -> String {
        let near = Set((-12...12).map { totp(Int64($0)) })
        return (0..<1000).map { String(format: "%06d", $0 * 997 % 1_000_000) }.first { !near.contains($0) }!
    }

    /// The token as the admin service shows it.
    func token(_ id: UUID) async throws -> Token { try await admin.token(tenantName: "demo", id: id, caller: .cli).1.token }

    /// The newest message to `recipient` in the fake outbox, opened, and the code in it (nil: none sent).
    func sentCode(to recipient: String) async throws -> String? {
        for m in store.outboxMessages().reversed() where m.recipient == recipient {
            guard let body = m.body else { continue }
            let text = String(decoding: try await vault.open(body, context: m.sealContext), as: UTF8.self)
            if let code = text.split(whereSeparator: { !$0.isNumber }).first(where: { (6...8).contains($0.count) }) { return String(code) }
        }
        return nil
    }

    /// The events of the audit log, as `event outcome`.
    func auditTrail() -> [String] { store.auditEvents().map { "\($0.record.event) \($0.record.outcome)" } }

    /// A recovery configuration: sms and email methods, one flow of both that unlocks `actions`, the emergency-code
    /// template `lost-phone`, the built-in directory.
    static func recoveryConfig(actions: [String] = ["unlock-authenticator", "emergency-code"]) throws -> RecoveryConfig {
        let json = """
            {"default_country_code": "+420", "email_domain": "demo.example",
             "methods": [{"id": "sms", "type": "sms"}, {"id": "email", "type": "email"}],
             "flows": [{"id": "sms-email", "names": {"en": "Text message and email"}, "steps": ["sms", "email"],
                        "actions": [\(actions.map { "\"\($0)\"" }.joined(separator: ", "))], "emergency_template": "lost-phone"}],
             "emergency_code_templates": [{"id": "lost-phone", "names": {"en": "Lost phone"}, "length": 10, "alphabet": "digits",
                                           "max_uses": 5, "valid_for": 259200}],
             "directory": {"type": "builtin"}}
            """
        return try JSONDecoder().decode(RecoveryConfig.self, from: Data(json.utf8))
    }
}

/// The system's CSPRNG.
struct CSPRNG: RandomSource {
    func bytes(_ count: Int) -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &g) }
    }
}

extension Principal {
    /// A login system's validate key: the one role that may call `validate` (the CLI is an administrator, not a login system).
    static let validateKey = Principal(.apiKey(id: "test"), roles: [.validate])
}
