import Foundation
import LifelineCore
import LifelineTestStore
import Testing

/// Issue 15 "Helpdesk actions" over the in-memory store: the required reason, the notice to the user, caller
/// verification (its code, attempts and 15-minute window), four-eyes approval and the helpdesk emergency code.
@Suite("Helpdesk: actions, caller verification, four-eyes, helpdesk codes")
struct HelpdeskServiceTests {
    let h: ServiceHarness
    let helpdesk: HelpdeskService

    init() throws {
        h = try ServiceHarness()
        helpdesk = HelpdeskService(admin: h.admin, storage: h.store)
    }

    /// Seeds tenant `demo` with `helpdesk` settings (JSON of the `helpdesk:` section); returns alice's token.
    func seed(_ settings: String = "{}") async throws -> UUID {
        var config = try ServiceHarness.recoveryConfig()
        config.helpdesk = try JSONDecoder().decode(HelpdeskSettings.self, from: Data(settings.utf8))
        return try await h.seed(config: config)
    }

    /// An operator of `demo` with `role`.
    func op(_ name: String, _ role: Role = .helpdesk) async throws -> Principal {
        let tenant = try await h.admin.tenant("demo", caller: .cli)
        return Principal(.operator(name: name), source: "192.0.2.1", roles: [role], tenants: [tenant.id])
    }

    func contact(_ kind: ContactKind) async throws -> Contact {
        try await h.admin.contacts(tenantName: "demo", username: "alice", caller: .cli).first { $0.kind == kind }!
    }

    /// The texts of the outbox messages to `recipient`, opened.
    func texts(to recipient: String) async throws -> [String] {
        var out: [String] = []
        for m in h.store.outboxMessages() where m.recipient == recipient {
            out.append(String(decoding: try await h.vault.open(m.body!, context: m.sealContext), as: UTF8.self))
        }
        return out
    }

    func done(_ outcome: HelpdeskOutcome) throws -> HelpdeskResult {
        guard case .done(let r) = outcome else { Issue.record("expected the action to run, got \(outcome)"); throw CancellationError() }
        return r
    }

    @Test("every action needs a reason of 3 to 200 printable characters; refused ones change nothing")
    func reasonRequired() async throws {
        let token = try await seed()
        let anna = try await op("anna")
        let before = h.auditTrail().count
        for bad in ["", "  x ", String(repeating: "a", count: 201), "T-1\u{202E}evil", "T-1\u{0}"] {
            let error = await #expect(throws: LifelineError.self) {
                try await helpdesk.perform(tenantName: "demo", username: "alice", HelpdeskRequest(action: .tokenDisable, reason: bad, tokenID: token), caller: anna)
            }
            #expect(error?.code == .invalidRequest, "reason \(bad.debugDescription)")
        }
        #expect(h.auditTrail().count == before)
        #expect(try await h.token(token).state == .active)
    }

    @Test("an action runs through the admin use case, is audited with the operator and the reason, and notified to the user")
    func actionAuditedAndNotified() async throws {
        let token = try await seed()
        let anna = try await op("anna")
        let result = try done(try await helpdesk.perform(tenantName: "demo", username: "alice",
                                                         HelpdeskRequest(action: .tokenDisable, reason: "  INC-4711 lost phone ", tokenID: token), caller: anna))
        #expect(result.token?.state == .disabled)
        let records = h.store.auditEvents().map(\.record)
        let change = try #require(records.last { $0.event == "token.disable" })
        #expect(change.actor == "operator:anna")
        let helpdeskRecord = try #require(records.last { $0.event == "helpdesk.token_disable" })
        #expect(helpdeskRecord.actor == "operator:anna" && helpdeskRecord.reason == "INC-4711 lost phone" && helpdeskRecord.subject == "alice")
        let sms = try await texts(to: "+420777123789"), mail = try await texts(to: "alice@demo.example")
        #expect(sms.last?.contains("disabled an authenticator") == true)
        #expect(mail.last?.contains("disabled an authenticator") == true)
        // No secret and no ticket in the notice.
        #expect(!(sms.last ?? "").contains("INC-4711"))
    }

    @Test("a token of another user is not changed under this user's ticket")
    func tokenOfAnotherUser() async throws {
        _ = try await seed()
        var bob = AdminService.NewUser(username: "bob")
        bob.emails = ["bob@demo.example"]
        _ = try await h.admin.createUser(tenantName: "demo", bob, caller: .cli)
        let bobsToken = try await h.admin.enrollToken(tenantName: "demo", username: "bob", EnrollmentRequest(type: .totp), caller: .cli).token.id
        let error = await #expect(throws: LifelineError.self) {
            try await helpdesk.perform(tenantName: "demo", username: "alice", HelpdeskRequest(action: .tokenDisable, reason: "T-1", tokenID: bobsToken),
                                       caller: try await op("anna"))
        }
        #expect(error?.code == .notFound)
        #expect(try await h.token(bobsToken).state == .active)
    }

    @Test("the auditor may do no helpdesk action, verify no caller and approve nothing")
    func auditorRefused() async throws {
        let token = try await seed(#"{"four_eyes": ["token_disable"]}"#)
        let auditor = try await op("audrey", .auditor)
        let phone = try await contact(.phone)
        for action in HelpdeskAction.allCases {
            let error = await #expect(throws: LifelineError.self) {
                try await helpdesk.perform(tenantName: "demo", username: "alice", HelpdeskRequest(action: action, reason: "T-1", tokenID: token), caller: auditor)
            }
            #expect(error?.code == .forbidden, "\(action)")
        }
        await #expect(throws: LifelineError.self) {
            try await helpdesk.sendCallerCode(tenantName: "demo", username: "alice", contactID: phone.id, caller: auditor)
        }
        guard case .pending(let request) = try await helpdesk.perform(tenantName: "demo", username: "alice",
                                                                      HelpdeskRequest(action: .tokenDisable, reason: "T-1", tokenID: token),
                                                                      caller: try await op("anna")) else { Issue.record("not pending"); return }
        let error = await #expect(throws: LifelineError.self) { try await helpdesk.approve(id: request.id, caller: auditor) }
        #expect(error?.code == .forbidden)
    }
}
