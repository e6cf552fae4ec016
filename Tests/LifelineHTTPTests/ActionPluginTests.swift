import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing

/// A recovery action is one type plus one registration: ``NoteAction`` below is defined only here, registered in a
/// copy of the standard registry, and performed through the generic path (the grant, the assurance and user checks,
/// the shared claim and finish, the audit events, the document's availability).
@Suite("Recovery actions as plug-ins")
struct ActionPluginTests {
    /// A tiny action: takes a note (one field), checks it before the claim, and answers its length.
    struct NoteAction: RecoveryAction {
        var id: RecoveryActionID { "leave-note" }
        var fields: [ActionField] { [ActionField(name: "note")] }
        var assurance: ActionAssurance { .possession }

        func unavailableReason(_ check: ActionCheck) async -> String? { check.user.username == "alice" ? nil : "action.not_locked" }

        func perform(_ ctx: ActionContext, input: ActionInput) async throws -> ActionResult {
            guard !input["note"].isEmpty else { throw LifelineError(.invalidRequest, "type a note", details: [ctx.detail("note.required")]) }
            let claim = try await ctx.claim(reason: "note")
            let length = try await claim.attempt { input["note"].count }
            try await claim.finish(notice: "notice.unlocked", reason: "a note of \(length) characters")
            return ActionResult(result: "noted", items: [.init("length", .number(length))])
        }
    }

    @Test("a fake action, registered in the test, runs through the generic path once, audited")
    func fakeActionThroughTheGenericPath() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            var config = try await fx.runtime.admin.recoveryConfig(tenantName: "demo", caller: fx.caller)
            let i = try #require(config.flows.firstIndex { $0.id == "sms-totp" })
            config.flows[i].actions.append("leave-note")
            _ = try await fx.runtime.admin.applyRecoveryConfig(tenantName: "demo", config, caller: fx.caller)
            var withNote = fx.runtime.recovery
            withNote.actions = ActionRegistry.standard.adding(NoteAction())
            let recovery = withNote
            #expect(recovery.actions.formActionIDs == ["reset-password", "card-unblock", "leave-note"])
            #expect(recovery.actions.fieldNames == ["password", "confirmation", "serial", "challenge", "note"])
            try await fx.app().test(.router) { client in
                let flow = try await client.verifiedFlow(fx)
                let flowID = try #require(flow["id"] as? String)
                let id = try #require(UUID(uuidString: flowID))
                // The server's registry does not have it: the API's generic route answers "no such action".
                try expectError(try await client.act(flow, "leave-note", ["note": "hi"]), .notFound, "not_found")

                var doc = try await recovery.document(flowID: id)
                #expect(doc.actions.first { $0.id == "leave-note" }?.available == true)
                // The input is the action's own rule, checked before the claim: nothing is used.
                do {
                    _ = try await recovery.useAction(flowID: id, action: "leave-note", source: "192.0.2.1")
                    Issue.record("an empty note was accepted")
                } catch let e as LifelineError {
                    #expect(e.code == .invalidRequest && e.details.map(\.id) == ["note.required"])
                }
                let result = try await recovery.useAction(flowID: id, action: "leave-note", input: ActionInput(["note": "hello"]), source: "192.0.2.1")
                #expect(result == ActionResult(result: "noted", items: [.init("length", .number(5))]))
                // The shared grant: used once.
                do {
                    _ = try await recovery.useAction(flowID: id, action: "leave-note", input: ActionInput(["note": "again"]), source: "192.0.2.1")
                    Issue.record("the grant was used twice")
                } catch let e as LifelineError {
                    #expect(e.code == .actionUnavailable)
                }
                doc = try await recovery.document(flowID: id)
                #expect(doc.actions.first { $0.id == "leave-note" }?.available == false)
                #expect(doc.messages.map(\.id) == ["notice.unlocked"])
            }
            let events = try await fx.runtime.store.recentEvents(tenant: "demo", limit: 100)
                .filter { $0.record.event == "recovery.leave-note" }.map { "\($0.record.outcome):\($0.record.reason)" }
            #expect(Set(events) == ["attempt:note", "success:a note of 5 characters", "refused:no usable grant"])
        }
    }

    @Test("a tenant configuration may name only the actions of this version (the error the enum gave)")
    func unknownActionRefusedInConfiguration() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var config = try jsonObject(try await client.send(.get, "/api/v1/admin/tenants/demo/recovery", key: fx.adminKey))
                var flows = try #require(config["flows"] as? [[String: Any]])
                flows[0]["actions"] = ["unlock-account", "leave-note"]
                config["flows"] = flows
                let r = try await client.send(.put, "/api/v1/admin/tenants/demo/recovery", key: fx.adminKey, json: config)
                try expectError(r, .badRequest, "invalid_request")
                #expect(String(buffer: r.body).contains("flows.0.actions.1 has an invalid value"), "\(String(buffer: r.body))")
            }
        }
    }
}
