import Crypto
import Foundation
import LifelineCore
import Testing

// A method is one type plus one registration: this whole file is a new method (a toy "PIN" the tenant configures,
// proving a factor called "pin") and a flow run through it. Nothing in the core names it.

extension VerificationMethodType {
    static let pin = VerificationMethodType("pin")
}

extension FlowPhase {
    static let enterPIN = FlowPhase(rawValue: "enter_pin")
}

/// The toy method: the user types the tenant's PIN from the settings. (Only a test: a real method keeps no secret in
/// the configuration.)
struct PINMethod: VerificationMethod {
    struct Settings: MethodSettings {
        var pin = "0000"
        enum CodingKeys: String, CodingKey, CaseIterable { case pin }
        init(pin: String = "0000") { self.pin = pin }
        init(from decoder: any Decoder) throws {
            try ConfigKeyCheck.refuseUnknown(decoder, known: ["id", "type", "pin"])
            pin = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .pin) ?? "0000"
        }
    }
    struct State: MethodStepState { var tries = 0 }
    enum Event: MethodEvent, Equatable { case typed(String) }

    var type: VerificationMethodType { .pin }
    var defaultSettings: Settings { Settings() }
    var factor: String? { "pin" }

    func enter(_ settings: Settings, _ context: StepContext) -> StepEntry<State> {
        StepEntry(phase: .enterPIN, state: State(), decoy: context.decoy)
    }

    func handle(_ event: any MethodEvent, state: inout State, settings: Settings, _ context: StepContext) -> StepResult? {
        guard context.phase == .enterPIN, case .typed(let pin)? = event as? Event else { return nil }
        state.tries += 1
        return pin == settings.pin && !context.decoy ? .passed(reason: "pin accepted") : .wrong(notice: "error.code_wrong", reason: "wrong pin")
    }

    func view(_ state: State, settings: Settings, _ context: StepViewContext) -> StepView {
        StepView(prompt: context.text("prompt.pin", [:]),
                 fields: [FlowField(name: "pin", type: "code", label: context.text("field.pin", [:]), required: true, options: nil, autocomplete: "off")])
    }

    func event(_ phase: FlowPhase, state: State, _ environment: StepEnvironment) async throws -> any MethodEvent {
        Event.typed(try environment.field("pin"))
    }

    func isGuess(_ phase: FlowPhase, fields: [String: String]) -> Bool { true }
}

@Suite("A verification method as a plug-in")
struct PluginMethodTests {
    typealias F = FlowFixture

    /// The one registration line.
    static let methods = MethodRegistry.standard.adding(PINMethod())

    static let config: RecoveryConfig = {
        var c = F.config
        c.methods.append(MethodConfig(id: "pin", type: .pin, settings: PINMethod.Settings(pin: "4711"), methods: methods))
        c.flows = [FlowDefinition(id: "only", names: ["en": "PIN and authenticator"], steps: ["pin", "totp"], actions: [.unlockAccount, .unlockAuthenticator])]
        return c
    }()

    static func machine(_ profile: RecoveryProfile = F.real) -> FlowStateMachine {
        var m = FlowStateMachine(config: config, profile: profile, flow: F.newFlow(profile), methods: methods)
        _ = m.start(F.inputs())
        return m
    }

    @Test func aFlowRunsThroughTheNewMethod() async throws {
        var m = Self.machine()
        #expect(m.flow.phase == .enterPIN)
        #expect(m.flow.step?.type == .pin)
        // The method turns the submitted fields into its event.
        let wrongEvent = try await PINMethod().event(.enterPIN, state: PINMethod.State(),
                                                     StepEnvironment(fields: ["pin": " 1234 "], flow: m.flow, decoy: false))
        #expect(wrongEvent as? PINMethod.Event == .typed("1234"))
        let wrong = m.handle(.step(wrongEvent), F.inputs(at: 1))
        #expect(wrong == [.audit(event: "recovery.step", outcome: "failure", reason: "wrong pin"), .wrongAnswer])
        #expect(m.flow.step?.wrong == 1)
        #expect((m.flow.step?.state as? PINMethod.State)?.tries == 1)
        // Another method's event does not fit the phase.
        #expect(m.handle(.submitCode("4711"), F.inputs(at: 2)) == [])
        #expect(m.flow.notices == [FlowNotice("error.unexpected")])
        // The document shows the method's field, generically.
        let catalog = Catalog(texts: ["en": ["prompt.pin": "Type the PIN.", "field.pin": "PIN"]])
        let doc = FlowDocument(flow: m.flow, config: Self.config, catalog: catalog, now: F.t0, methods: Self.methods)
        #expect(doc.state == "enter_pin")
        #expect(doc.prompt.text == "Type the PIN.")
        #expect(doc.fields.map(\.name) == ["pin"])
        #expect(doc.step?.method == "pin")
        // The right PIN passes to the next step (the built-in authenticator), which verifies the flow.
        let passed = m.handle(.step(PINMethod.Event.typed("4711")), F.inputs(at: 3))
        #expect(passed == [.audit(event: "recovery.step", outcome: "success", reason: "pin accepted")])
        #expect(m.flow.phase == .enterTOTP)
        let verified = m.handle(.totp(.accepted), F.inputs(at: 4))
        #expect(verified.contains(.notifyVerified))
        #expect(m.flow.phase == .verified)
        // Its factor counts: "pin" + "authenticator" are two kinds, so the two-factor action is granted too.
        #expect(m.flow.grants.map(\.action) == [.unlockAccount, .unlockAuthenticator])
    }

    @Test func aDecoyFlowNeverPassesTheNewMethod() {
        var m = Self.machine(F.decoy)
        #expect(m.flow.step?.decoy == true)
        for i in 0..<3 { _ = m.handle(.step(PINMethod.Event.typed("4711")), F.inputs(at: Double(i))) }
        #expect(m.flow.phase == .failed)
    }

    @Test func itsConfigurationAndStepStateRoundTrip() throws {
        let decoder = JSONDecoder()
        decoder.userInfo[MethodRegistry.userInfoKey] = Self.methods
        decoder.userInfo[ConfigKeyCheck.strict] = true
        let config = try decoder.decode(RecoveryConfig.self, from: JSONEncoder().encode(Self.config))
        #expect(config == Self.config)
        #expect(config.problems(methods: Self.methods) == [])
        #expect(throws: ConfigProblem.self) {
            try decoder.decode(MethodConfig.self, from: Data(#"{"id":"pin","type":"pin","code_length":6}"#.utf8))
        }
        // Without the registration the type is unknown.
        #expect(throws: (any Error).self) { try JSONDecoder().decode(MethodConfig.self, from: Data(#"{"id":"pin","type":"pin"}"#.utf8)) }
        var m = Self.machine()
        _ = m.handle(.step(PINMethod.Event.typed("1")), F.inputs())
        let flow = try decoder.decode(RecoveryFlow.self, from: JSONEncoder().encode(m.flow))
        #expect(flow == m.flow)
    }
}
