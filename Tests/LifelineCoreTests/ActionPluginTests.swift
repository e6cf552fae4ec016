import Foundation
import LifelineCore
import LifelineTestStore
import Testing

/// A recovery action registered only in a test is held to its own assurance, not to the standard registry's default:
/// when a configuration is checked and when a flow is verified (its grants).
@Suite("Recovery actions as plug-ins: the service's registry decides the assurance")
struct ActionPluginTests {
    typealias F = FlowFixture

    /// A toy action that any verified flow may use (it changes nothing a factor protects).
    struct LeaveNoteAction: RecoveryAction {
        var id: RecoveryActionID { "leave-note" }
        var assurance: ActionAssurance { .any }
        func perform(_ ctx: ActionContext, input: ActionInput) async throws -> ActionResult { ActionResult(result: "noted") }
    }

    /// The one registration line.
    static let actions = ActionRegistry.standard.adding(LeaveNoteAction())
    static let config = F.single(["quiz"], actions: ["leave-note"])

    @Test("a test-registered action with assurance any is granted after a one-question flow")
    func grantedAfterOneQuestionStep() {
        var m = FlowStateMachine(config: Self.config, profile: F.real, flow: F.newFlow(F.real), actions: Self.actions)
        _ = m.start(F.inputs())
        #expect(m.flow.phase == .answerQuestions)
        _ = m.handle(.answers(correct: true), F.inputs(at: 1))
        #expect(m.flow.phase == .verified)
        #expect(m.flow.grants.map(\.action) == ["leave-note"])
    }

    @Test("a configuration naming it is checked against the registry it is given")
    func configurationCheckedAgainstTheRegistry() {
        #expect(Self.config.problems(actions: Self.actions) == [])
        // The standard registry does not know it: an unknown action needs two factors.
        #expect(Self.config.problems().map(\.description) == [
            "flows.0.actions: a flow whose only step is questions cannot unlock leave-note: \(ActionAssurance.twoFactors.rule)",
        ])
    }

    @Test("RecoveryService grants it with its own registry after a one-step flow (the standard one would hold it to two factors)")
    func theServiceUsesItsRegistry() async throws {
        let h = try ServiceHarness()
        try await h.seed()
        // Stored as is: the admin service checks configurations against the standard registry, which does not know it.
        var config = try ServiceHarness.recoveryConfig(actions: ["leave-note"])
        config.flows[0].steps = ["sms"]
        let tenantID = try await h.admin.tenant("demo", caller: .cli).id
        let audit = AuditRecord(time: ServiceHarness.start, tenant: "demo", actor: "cli", subject: "demo", event: "recovery.config", outcome: "success")
        #expect(try await h.store.putRecoveryConfig(tenantID: tenantID, config: config, audit: audit))
        var recovery = h.recovery
        recovery.actions = Self.actions
        var doc = try await recovery.createFlow(tenantName: "demo", username: "alice", language: "en", source: "127.0.0.1")
        let flowID = try #require(UUID(uuidString: doc.id))
        doc = try await recovery.submit(flowID: flowID, fields: ["contact": "0", "number": "+420777123789"], language: "en", source: "127.0.0.1")
        let code = try #require(try await h.sentCode(to: "+420777123789"))
        doc = try await recovery.submit(flowID: flowID, fields: ["code": code], language: "en", source: "127.0.0.1")
        #expect(doc.state == "verified")
        #expect(doc.actions.map(\.id) == ["leave-note"])
    }
}
