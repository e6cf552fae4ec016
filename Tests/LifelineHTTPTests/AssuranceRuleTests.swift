import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing

/// Issue 13 item 11: no single weak factor unlocks an action that replaces a factor, through the admin API, a
/// tenant file, or a configuration stored before the rule.
@Suite("Assurance rules")
struct AssuranceRuleTests {
    @Test("the admin API and tenant apply refuse a one-factor flow for emergency-code, naming the rule")
    func refusedAtApply() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            let key = try await fx.key(.admin, tenant: "acme")
            try await fx.app().test(.router) { client in
                for steps in [["sms"], ["email"], ["totp"], ["sms", "questions"], ["sms", "sms2"]] {
                    let r = try await client.send(.put, "/api/v1/admin/tenants/acme/recovery", key: key, json: [
                        "methods": [["id": "sms", "type": "sms"], ["id": "sms2", "type": "sms"], ["id": "email", "type": "email"],
                                    ["id": "totp", "type": "totp"], ["id": "questions", "type": "questions", "question_count": 1]],
                        "questions": [["id": "pet", "texts": ["en": "Pet?"]]],
                        "flows": [["id": "f", "names": ["en": "F"], "steps": steps, "actions": ["emergency-code"]]],
                        "emergency_code_templates": [["id": "t", "names": ["en": "T"], "max_uses": 2, "valid_for": 3600]],
                    ])
                    try expectError(r, .badRequest, "invalid_request")
                    let message = try jsonObject(r)["message"] as? String ?? ""
                    #expect(message.contains("flows.0.actions") && message.contains("cannot unlock emergency-code")
                            && message.contains("two steps of different kinds"), "\(steps): \(message)")
                }
            }
        }
        let yaml = """
        tenant: acme
        recovery:
          methods: [{ id: sms, type: sms }, { id: questions, type: questions, question_count: 1 }]
          questions: [{ id: pet, texts: { en: "Pet?" } }]
          flows:
            - id: sms-questions
              names: { en: "Text message and a question" }
              steps: [sms, questions]
              actions: [emergency-code]
          emergency_code_templates: [{ id: t, names: { en: T }, max_uses: 2 }]
        """
        let error = #expect(throws: LifelineError.self) { try TenantFile.parse(yaml) }
        #expect(error?.message.contains("line 9: recovery.flows.0.actions: a flow whose steps prove one factor kind cannot unlock emergency-code") == true,
                "\(String(describing: error))")
        #expect(try TenantFile.parse(yaml.replacingOccurrences(of: "actions: [emergency-code]", with: "actions: [reset-password]")).tenant == "acme")
    }

    @Test("a stored configuration that falls short (written before the rule) does not let a verified flow use the action")
    func refusedAtUse() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                let flow = try await client.verifiedFlow(fx)
                // The operator's database still holds a one-factor flow for emergency-code (no validation here).
                let tenant = try await fx.runtime.admin.tenant("demo", caller: fx.caller)
                var config = try #require(try await fx.runtime.store.recoveryConfig(tenantID: tenant.id))
                config.flows[0].steps = ["sms"]
                _ = try await fx.runtime.store.putRecoveryConfig(tenantID: tenant.id, config: config, audit: AuditRecord(
                    time: fx.clock.now(), tenant: "demo", actor: "test", subject: "demo", event: "recovery.configure", outcome: "success"))
                let r = try await client.act(flow, "emergency-code")
                #expect(r.status == .conflict, "\(String(buffer: r.body))")
                #expect(!String(buffer: r.body).contains("\"code\""))
                // An action the one step still covers works.
                let ok = try await client.act(flow, "selfservice")
                #expect(ok.status == .ok, "\(String(buffer: ok.body))")

                // A flow verified under that configuration is not even granted the action.
                fx.clock.advance(seconds: 30)
                var short = try await client.startFlow("alice")
                short = try await client.step(short, ["flow": "sms-totp"])
                short = try await client.step(short, ["contact": "0", "number": "+420777123789"])
                short = try await client.step(short, ["code": try await fx.sentCode(to: "+420777123789")])
                #expect(state(short) == "verified")
                #expect(availability(short)["emergency-code"] == nil && availability(short)["reset-password"] == true, "\(availability(short))")
                #expect(try await client.act(short, "emergency-code").status == .conflict)
            }
        }
    }
}
