import Crypto
import Foundation
import LifelineCore
import Testing

/// Fixed configuration, profiles and inputs for the state machine: everything random or time-dependent is pinned.
enum FlowFixture {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    static let flowID = UUID(uuidString: "6f1c2b9e-3a4d-4e5f-8a7b-1c2d3e4f5a6b")!
    static let otherFlowID = UUID(uuidString: "0e0e0e0e-3a4d-4e5f-8a7b-1c2d3e4f5a6b")!
    static let tenantID = UUID(uuidString: "11111111-2222-4333-8444-555555555555")!
    static let userID = UUID(uuidString: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee")!
    static let key = SymmetricKey(data: Data(repeating: 7, count: 32))
    /// The eight CSPRNG digits of every input; sms codes (length 7) are "1234567", email codes (default 6) "123456".
    static let digits = "12345678"
    static let smsCode = "1234567"
    static let mailCode = "123456"

    static let limits: RecoveryLimits = {
        var l = RecoveryLimits()
        l.wrongPerStep = 3; l.resendDelay = 60; l.sendsPerFlow = 3; l.sendsPerUserPerHour = 10; l.grantLifetime = 600; l.flowLifetime = 900
        return l
    }()

    /// Two flows: "phone" = sms (7 digits, 300 s) + totp → reset-password, unlock-account; "mail" = email + two questions → unlock-account.
    static let config = RecoveryConfig(
        methods: [MethodConfig(id: "sms", type: .sms, settings: ContactCodeSettings(codeLength: 7, codeLifetime: 300)),
                  MethodConfig(id: "mail", type: .email),
                  MethodConfig(id: "totp", type: .totp),
                  MethodConfig(id: "quiz", type: .questions, settings: QuestionsSettings(questionCount: 2))],
        flows: [FlowDefinition(id: "phone", names: ["en": "Phone and authenticator"], steps: ["sms", "totp"], actions: [.resetPassword, .unlockAccount]),
                FlowDefinition(id: "mail", names: ["en": "Mail and questions"], steps: ["mail", "quiz"], actions: [.unlockAccount])],
        questions: (1...4).map { SecurityQuestion(id: "q\($0)", texts: ["en": "Question \($0)?"]) },
        limits: limits, defaultCountryCode: "+420", emailDomain: "acme.cz")

    /// The same methods with a single flow of `steps` (start enters its first step at once).
    static func single(_ steps: [String], actions: [RecoveryActionID] = [.unlockAccount, .selfservice]) -> RecoveryConfig {
        var c = config
        c.flows = [FlowDefinition(id: "only", names: ["en": "Only"], steps: steps, actions: actions)]
        c.selfserviceURL = "https://id.acme.cz/reset"
        return c
    }

    static let decoyPhones = ["+420111222333", "+420444555666"]
    static let decoyEmails = ["awvkrst@acme.cz"]

    static let real = RecoveryProfile(userID: userID, phones: ["+420777123789", "+420602111222"], emails: ["alice@acme.cz"],
                                      answeredQuestions: ["q1", "q2", "q3"], hasTOTP: true, decoyPhones: decoyPhones, decoyEmails: decoyEmails)
    static let decoy = RecoveryProfile(userID: nil, phones: [], emails: [], answeredQuestions: [], hasTOTP: false,
                                       decoyPhones: decoyPhones, decoyEmails: decoyEmails)
    /// A real, active user who enrolled no phone number (and nothing else).
    static let noPhones = RecoveryProfile(userID: userID, phones: [], emails: [], answeredQuestions: [], hasTOTP: false,
                                          decoyPhones: decoyPhones, decoyEmails: decoyEmails)

    static func inputs(at offset: TimeInterval = 0, digits: String = digits, sendsThisHour: Int = 0) -> FlowInputs {
        FlowInputs(now: t0.addingTimeInterval(offset), freshCode: digits, random: Array(0..<32), codeKey: key, sendsThisHour: sendsThisHour)
    }

    static func newFlow(_ profile: RecoveryProfile, id: UUID = flowID) -> RecoveryFlow {
        RecoveryFlow(id: id, tenantID: tenantID, tenant: "acme", username: "alice", userID: profile.userID, language: "en",
                     createdAt: t0, expiresAt: t0.addingTimeInterval(900))
    }

    /// A started machine.
    static func machine(_ profile: RecoveryProfile = real, config: RecoveryConfig = config, id: UUID = flowID) -> FlowStateMachine {
        var m = FlowStateMachine(config: config, profile: profile, flow: newFlow(profile, id: id))
        _ = m.start(inputs())
        return m
    }

    /// The "phone" flow with contact 0 typed correctly at t0: a code was sent (or pretended).
    static func atEnterCode(_ profile: RecoveryProfile = real) -> FlowStateMachine {
        var m = machine(profile)
        _ = m.handle(.chooseFlow("phone"), inputs())
        _ = m.handle(.chooseContact(index: 0, typed: m.flow.step!.contactCode!.contacts[0]), inputs())
        return m
    }

    /// The "phone" flow after the sms step passed at t0+10: at the authenticator step.
    static func atTOTP() -> FlowStateMachine {
        var m = atEnterCode()
        _ = m.handle(.submitCode(smsCode), inputs(at: 10))
        return m
    }

    /// The "phone" flow verified at t0+20.
    static func atVerified() -> FlowStateMachine {
        var m = atTOTP()
        _ = m.handle(.totp(.accepted), inputs(at: 20))
        return m
    }

    static func audits(_ effects: [FlowEffect]) -> [String] {
        effects.compactMap { if case .audit(let event, let outcome, _) = $0 { "\(event):\(outcome)" } else { nil } }
    }

    static func nonAudit(_ effects: [FlowEffect]) -> [FlowEffect] {
        effects.filter { if case .audit = $0 { false } else { true } }
    }

    static func noticeIDs(_ m: FlowStateMachine) -> [String] { m.flow.notices.map(\.id) }
}

@Suite("Flow state machine: state + event → state + effects")
struct FlowStateMachineTests {
    typealias F = FlowFixture

    // MARK: start and choose_flow

    @Test func startWithSeveralFlowsWaitsForAChoice() {
        var m = FlowStateMachine(config: F.config, profile: F.real, flow: F.newFlow(F.real))
        let effects = m.start(F.inputs())
        #expect(effects == [.audit(event: "recovery.start", outcome: "ok", reason: "")])
        #expect(m.flow.phase == .chooseFlow)
        #expect(m.flow.step == nil)
        #expect(m.flow.definitionID == nil)
    }

    @Test func startWithASingleFlowSkipsChooseFlow() {
        var m = FlowStateMachine(config: F.single(["sms"]), profile: F.real, flow: F.newFlow(F.real))
        let effects = m.start(F.inputs())
        #expect(F.audits(effects) == ["recovery.start:ok", "recovery.choose:ok"])
        #expect(F.nonAudit(effects).isEmpty)
        #expect(m.flow.phase == .chooseContact)
        #expect(m.flow.definitionID == "only")
        #expect(m.flow.step?.contactCode?.contacts == F.real.phones)
        #expect(m.flow.step?.decoy == false)
    }

    @Test func startOfADecoyFlowIsAuditedAsDecoy() {
        var m = FlowStateMachine(config: F.config, profile: F.decoy, flow: F.newFlow(F.decoy))
        let started = m.start(F.inputs())
        #expect(started == [.audit(event: "recovery.start", outcome: "ok", reason: "decoy flow")])
        #expect(m.flow.phase == .chooseFlow)
    }

    @Test func chooseUnknownFlowIsANotice() {
        var m = F.machine()
        let before = m.flow
        let r1 = m.handle(.chooseFlow("nope"), F.inputs())
        #expect(r1 == [])
        #expect(F.noticeIDs(m) == ["error.flow_unknown"])
        var after = m.flow
        after.notices = []
        #expect(after == before)
    }

    @Test(arguments: [("phone", VerificationMethodType.sms, ["+420777123789", "+420602111222"]),
                      ("mail", VerificationMethodType.email, ["alice@acme.cz"])])
    func chooseFlowEntersItsFirstStep(flowID: String, type: VerificationMethodType, contacts: [String]) {
        var m = F.machine()
        let effects = m.handle(.chooseFlow(flowID), F.inputs())
        #expect(effects == [.audit(event: "recovery.choose", outcome: "ok", reason: flowID)])
        #expect(m.flow.phase == .chooseContact)
        #expect(m.flow.definitionID == flowID)
        #expect(m.flow.stepIndex == 0)
        #expect(m.flow.step?.type == type)
        #expect(m.flow.step?.contactCode?.contacts == contacts)
        #expect(m.flow.step?.decoy == false)
        #expect(m.flow.step?.contactCode?.sends == 0)
        #expect(m.flow.step?.contactCode?.codeDigest == nil)
    }

    // MARK: choose_contact

    /// Typed numbers for contact 0 (+420777123789) with default_country_code +420.
    @Test(arguments: [
        ("+420777123789", true), ("+420 777 123 789", true), ("00420 777-123-789", true), ("777123789", true),
        ("777 123 789", true), ("0777123789", true), ("(+420) 777.123.789", true),
        ("+420602111222", false), ("602111222", false), ("777123788", false), ("+421777123789", false),
        ("77712378", false), ("junk", false), ("", false), ("+420 777 123 789 0", false),
    ])
    func typedNumberMustMatchTheChosenOne(typed: String, matches: Bool) {
        var m = F.machine()
        _ = m.handle(.chooseFlow("phone"), F.inputs())
        let effects = m.handle(.chooseContact(index: 0, typed: typed), F.inputs(at: 5))
        if matches {
            #expect(F.nonAudit(effects) == [.send(channel: .sms, recipient: "+420777123789", code: F.smsCode, lifetime: 300), .countSend])
            #expect(effects.last == .audit(event: "recovery.send", outcome: "ok", reason: "sms to +420 *** *** 789"))
            #expect(m.flow.phase == .enterCode)
            #expect(m.flow.step?.contactCode?.chosenContact == 0)
            #expect(m.flow.step?.contactCode?.sends == 1)
            #expect(m.flow.step?.wrong == 0)
            #expect(m.flow.step?.contactCode?.lastSentAt == F.t0.addingTimeInterval(5))
            #expect(m.flow.step?.contactCode?.codeExpiresAt == F.t0.addingTimeInterval(305))
            #expect(m.flow.step?.contactCode?.codeDigest == ContactCode.digest(F.smsCode, flow: F.flowID, step: 0, key: F.key))
            #expect(m.flow.notices == [FlowNotice("info.code_sent", .info, args: ["contact": "+420 *** *** 789"])])
        } else {
            #expect(effects == [.audit(event: "recovery.step", outcome: "failure", reason: "contact did not match"), .wrongAnswer])
            #expect(m.flow.phase == .chooseContact)
            #expect(m.flow.step?.contactCode?.chosenContact == nil)
            #expect(m.flow.step?.contactCode?.sends == 0)
            #expect(m.flow.step?.wrong == 1)
            #expect(m.flow.step?.contactCode?.codeDigest == nil)
            #expect(F.noticeIDs(m) == ["error.number_mismatch"])
        }
    }

    @Test func secondContactCanBeChosenByItsOwnNumber() {
        var m = F.machine()
        _ = m.handle(.chooseFlow("phone"), F.inputs())
        let effects = m.handle(.chooseContact(index: 1, typed: "602 111 222"), F.inputs())
        #expect(F.nonAudit(effects) == [.send(channel: .sms, recipient: "+420602111222", code: F.smsCode, lifetime: 300), .countSend])
        #expect(m.flow.step?.contactCode?.chosenContact == 1)
    }

    @Test(arguments: [-1, 2, 99])
    func contactIndexOutOfRangeIsANoticeNotAWrongSubmission(index: Int) {
        var m = F.machine()
        _ = m.handle(.chooseFlow("phone"), F.inputs())
        let r2 = m.handle(.chooseContact(index: index, typed: "+420777123789"), F.inputs())
        #expect(r2 == [])
        #expect(F.noticeIDs(m) == ["error.contact_unknown"])
        #expect(m.flow.step?.wrong == 0)
        #expect(m.flow.phase == .chooseContact)
    }

    @Test(arguments: [("alice@acme.cz", true), ("  ALICE@ACME.CZ ", true), ("Alice@Acme.cz", true), ("alice@acme.com", false),
                      ("bob@acme.cz", false), ("alice", false), ("alice@acme", false)])
    func typedAddressMustMatch(typed: String, matches: Bool) {
        var m = F.machine()
        _ = m.handle(.chooseFlow("mail"), F.inputs())
        let effects = m.handle(.chooseContact(index: 0, typed: typed), F.inputs())
        if matches {
            // Email uses the default length (6) and lifetime (900 s).
            #expect(F.nonAudit(effects) == [.send(channel: .email, recipient: "alice@acme.cz", code: F.mailCode, lifetime: 900), .countSend])
            #expect(m.flow.phase == .enterCode)
            #expect(m.flow.notices == [FlowNotice("info.code_sent", .info, args: ["contact": "a***@a***.cz"])])
        } else {
            #expect(F.audits(effects) == ["recovery.step:failure"])
            #expect(F.noticeIDs(m) == ["error.address_mismatch"])
            #expect(m.flow.step?.wrong == 1)
        }
    }

    /// The sent code is the prefix of the CSPRNG digits with the configured length.
    @Test(arguments: [(6, "123456"), (7, "1234567"), (8, "12345678"), (nil, "123456")] as [(Int?, String)])
    func sentCodeHasTheConfiguredLength(length: Int?, code: String) {
        var c = F.single(["sms"])
        c.methods[0].settings = ContactCodeSettings(codeLength: length, codeLifetime: 300)
        var m = F.machine(config: c)
        let effects = m.handle(.chooseContact(index: 0, typed: "777123789"), F.inputs())
        #expect(F.nonAudit(effects).first == .send(channel: .sms, recipient: "+420777123789", code: code, lifetime: 300))
        let r3 = m.handle(.submitCode(code), F.inputs(at: 1))
        #expect(r3.contains(.audit(event: "recovery.verified", outcome: "success", reason: "unlock-account,selfservice")))
    }

    // MARK: enter_code

    @Test(arguments: ["1234568", "123456", "12345678", "", "7654321"])
    func wrongCodeCountsAndStays(code: String) {
        var m = F.atEnterCode()
        let digest = m.flow.step?.contactCode?.codeDigest
        let effects = m.handle(.submitCode(code), F.inputs(at: 10))
        #expect(effects == [.audit(event: "recovery.step", outcome: "failure", reason: "wrong code"), .wrongAnswer])
        #expect(F.noticeIDs(m) == ["error.code_wrong"])
        #expect(m.flow.phase == .enterCode)
        #expect(m.flow.step?.wrong == 1)
        #expect(m.flow.step?.contactCode?.codeDigest == digest)
    }

    @Test func expiredCodeIsRefusedEvenWhenRight() {
        var m = F.atEnterCode()
        // Sent at t0 with a 300 s lifetime: at t0+300 it is expired.
        let r4 = m.handle(.submitCode(F.smsCode), F.inputs(at: 300))
        #expect(r4 == [])
        #expect(F.noticeIDs(m) == ["error.code_expired"])
        #expect(m.flow.phase == .enterCode)
        #expect(m.flow.stepIndex == 0)
        // One second before, the same code passes.
        var early = F.atEnterCode()
        _ = early.handle(.submitCode(F.smsCode), F.inputs(at: 299))
        #expect(early.flow.phase == .enterTOTP)
    }

    @Test func correctCodePassesOnceAndClearsTheDigest() {
        var m = F.atEnterCode()
        let effects = m.handle(.submitCode(F.smsCode), F.inputs(at: 10))
        #expect(effects == [.audit(event: "recovery.step", outcome: "success", reason: "sms code accepted")])
        #expect(m.flow.phase == .enterTOTP)
        #expect(m.flow.stepIndex == 1)
        #expect(m.flow.step?.type == .totp)
        #expect(m.flow.step?.contactCode?.codeDigest == nil)
        #expect(m.flow.step?.decoy == false)
        // The same code again: the flow has moved on, nothing changes.
        let before = m.flow
        let r5 = m.handle(.submitCode(F.smsCode), F.inputs(at: 11))
        #expect(r5 == [])
        #expect(F.noticeIDs(m) == ["error.unexpected"])
        #expect(m.flow.stepIndex == before.stepIndex)
        #expect(m.flow.phase == .enterTOTP)
    }

    @Test func correctCodeOnASingleSmsStepVerifiesAndCannotBeReplayed() {
        var m = F.machine(config: F.single(["sms"]))
        _ = m.handle(.chooseContact(index: 0, typed: "777123789"), F.inputs())
        _ = m.handle(.submitCode(F.smsCode), F.inputs(at: 30))
        #expect(m.flow.phase == .verified)
        let grants = m.flow.grants
        let r6 = m.handle(.submitCode(F.smsCode), F.inputs(at: 31))
        #expect(r6 == [])
        #expect(m.flow.grants == grants)
        #expect(F.noticeIDs(m) == ["error.unexpected"])
    }

    @Test func aDigestIsBoundToItsFlowAndStep() {
        let d = ContactCode.digest(F.smsCode, flow: F.flowID, step: 0, key: F.key)
        #expect(d.count == 64)
        #expect(d != ContactCode.digest(F.smsCode, flow: F.otherFlowID, step: 0, key: F.key))
        #expect(d != ContactCode.digest(F.smsCode, flow: F.flowID, step: 1, key: F.key))
        #expect(d != ContactCode.digest(F.smsCode, flow: F.flowID, step: 0, key: SymmetricKey(data: Data(repeating: 8, count: 32))))
        #expect(d == ContactCode.digest(F.smsCode, flow: F.flowID, step: 0, key: F.key))

        // A step state copied from another flow (digest and all) does not accept that flow's code.
        let source = F.atEnterCode()
        var other = FlowStateMachine(config: F.config, profile: F.real, flow: {
            var f = source.flow
            f.id = F.otherFlowID
            return f
        }())
        _ = other.handle(.submitCode(F.smsCode), F.inputs(at: 10))
        #expect(F.noticeIDs(other) == ["error.code_wrong"])
        #expect(other.flow.phase == .enterCode)
    }

    // MARK: resend and send limits

    @Test(arguments: [(0.0, false), (30, false), (59.999, false), (60, true), (61, true), (250, true)])
    func resendWaitsForTheDelay(after: Double, allowed: Bool) {
        var m = F.atEnterCode()
        let before = m.flow
        let effects = m.handle(.resend, F.inputs(at: after, digits: "87654321"))
        if allowed {
            #expect(F.nonAudit(effects) == [.send(channel: .sms, recipient: "+420777123789", code: "8765432", lifetime: 300), .countSend])
            #expect(m.flow.step?.contactCode?.sends == 2)
            #expect(m.flow.step?.contactCode?.lastSentAt == F.t0.addingTimeInterval(after))
            #expect(m.flow.step?.contactCode?.codeExpiresAt == F.t0.addingTimeInterval(after + 300))
            // The new code replaces the old one.
            var old = m
            _ = old.handle(.submitCode(F.smsCode), F.inputs(at: after + 1))
            #expect(F.noticeIDs(old) == ["error.code_wrong"])
            _ = m.handle(.submitCode("8765432"), F.inputs(at: after + 1))
            #expect(m.flow.phase == .enterTOTP)
        } else {
            #expect(effects == [])
            #expect(F.noticeIDs(m) == ["error.resend_too_early"])
            #expect(m.flow.withoutNotices == before.withoutNotices)
        }
    }

    @Test func resendAfterExpiryGivesAFreshWorkingCode() {
        var m = F.atEnterCode()
        _ = m.handle(.submitCode(F.smsCode), F.inputs(at: 400))
        #expect(F.noticeIDs(m) == ["error.code_expired"])
        _ = m.handle(.resend, F.inputs(at: 401, digits: "55555555"))
        _ = m.handle(.submitCode("5555555"), F.inputs(at: 402))
        #expect(m.flow.phase == .enterTOTP)
    }

    @Test func sendsPerFlowIsALimit() {
        var m = F.atEnterCode()
        for i in 1...2 {
            let effects = m.handle(.resend, F.inputs(at: Double(i) * 60))
            #expect(effects.contains(.countSend), "resend \(i)")
        }
        #expect(m.flow.step?.contactCode?.sends == 3)
        let effects = m.handle(.resend, F.inputs(at: 1000))
        #expect(effects == [.audit(event: "recovery.send", outcome: "refused", reason: "send limit reached")])
        #expect(F.noticeIDs(m) == ["error.send_limit"])
        #expect(m.flow.step?.contactCode?.sends == 3)
        #expect(m.flow.step?.contactCode?.lastSentAt == F.t0.addingTimeInterval(120))
        #expect(m.flow.phase == .enterCode)
    }

    @Test(arguments: [(0, true), (9, true), (10, false), (11, false)])
    func sendsPerUserPerHourIsALimit(sendsThisHour: Int, sent: Bool) {
        var m = F.machine()
        _ = m.handle(.chooseFlow("phone"), F.inputs())
        let effects = m.handle(.chooseContact(index: 0, typed: "+420777123789"), F.inputs(sendsThisHour: sendsThisHour))
        if sent {
            #expect(F.nonAudit(effects).count == 2)
            #expect(m.flow.phase == .enterCode)
        } else {
            #expect(effects == [.audit(event: "recovery.send", outcome: "refused", reason: "send limit reached")])
            #expect(F.noticeIDs(m) == ["error.send_limit"])
            #expect(m.flow.phase != .enterCode)
            #expect(m.flow.step?.contactCode?.sends == 0)
            #expect(m.flow.step?.contactCode?.codeDigest == nil)
        }
        // The hourly limit also stops a resend.
        var r = F.atEnterCode()
        let resend = r.handle(.resend, F.inputs(at: 60, sendsThisHour: sendsThisHour))
        #expect(resend.contains(.countSend) == sent)
    }

    // MARK: wrong_per_step

    @Test func wrongPerStepFailsTheFlowAndEveryWrongAnswerIsCounted() {
        var m = F.atEnterCode()
        _ = m.handle(.submitCode("0000000"), F.inputs(at: 1))
        _ = m.handle(.submitCode("0000001"), F.inputs(at: 2))
        #expect(m.flow.phase == .enterCode)
        let effects = m.handle(.submitCode("0000002"), F.inputs(at: 3))
        #expect(effects == [.audit(event: "recovery.step", outcome: "failure", reason: "wrong code"), .wrongAnswer,
                            .audit(event: "recovery.failed", outcome: "failure", reason: "too many wrong submissions")])
        #expect(m.flow.phase == .failed)
        #expect(m.flow.step == nil)
        #expect(m.flow.grants.isEmpty)
        #expect(F.noticeIDs(m) == ["error.flow_failed"])
        // The right code afterwards changes nothing.
        let r7 = m.handle(.submitCode(F.smsCode), F.inputs(at: 4))
        #expect(r7 == [])
        #expect(m.flow.phase == .failed)
        #expect(F.noticeIDs(m) == ["error.unexpected"])
    }

    @Test func contactMismatchesAndWrongCodesShareTheStepBudget() {
        var m = F.machine()
        _ = m.handle(.chooseFlow("phone"), F.inputs())
        _ = m.handle(.chooseContact(index: 0, typed: "+420602111222"), F.inputs())
        _ = m.handle(.chooseContact(index: 0, typed: "+420777123789"), F.inputs())
        #expect(m.flow.step?.wrong == 1)
        _ = m.handle(.submitCode("0000000"), F.inputs(at: 1))
        #expect(m.flow.phase == .enterCode)
        let effects = m.handle(.submitCode("0000001"), F.inputs(at: 2))
        #expect(effects.contains(.wrongAnswer))
        #expect(m.flow.phase == .failed)
    }

    @Test func theWrongCountStartsAgainInTheNextStep() {
        var m = F.atEnterCode()
        _ = m.handle(.submitCode("0000000"), F.inputs(at: 1))
        _ = m.handle(.submitCode("0000001"), F.inputs(at: 2))
        _ = m.handle(.submitCode(F.smsCode), F.inputs(at: 3))
        #expect(m.flow.phase == .enterTOTP)
        #expect(m.flow.step?.wrong == 0)
        _ = m.handle(.totp(.rejected), F.inputs(at: 4))
        _ = m.handle(.totp(.rejected), F.inputs(at: 5))
        #expect(m.flow.phase == .enterTOTP)
        _ = m.handle(.totp(.rejected), F.inputs(at: 6))
        #expect(m.flow.phase == .failed)
    }

    // MARK: TOTP

    @Test func aLockedOrThrottledAuthenticatorIsNamedAfterAPassedStepAndNotCounted() {
        var config = F.config
        config.flows.append(FlowDefinition(id: "two-mail", names: ["en": "Mail and questions again"], steps: ["mail", "quiz"],
                                           actions: [.unlockAuthenticator]))
        var m = FlowStateMachine(config: config, profile: F.real, flow: F.atTOTP().flow)
        for i in 1...5 {
            let effects = m.handle(.totpUnavailable(until: nil), F.inputs(at: Double(20 + i)))
            #expect(effects == [.audit(event: "recovery.step", outcome: "refused", reason: "authenticator locked")])
        }
        #expect(m.flow.phase == .enterTOTP && m.flow.step?.wrong == 0)
        #expect(m.flow.notices == [FlowNotice("error.totp_locked"), FlowNotice("info.unlock_authenticator", .info, args: ["flow": "Mail and questions again"])])
        _ = m.handle(.totpUnavailable(until: F.t0.addingTimeInterval(90)), F.inputs(at: 30))
        // In the tenant's time zone (UTC by default) and the flow's language.
        #expect(m.flow.notices.first == FlowNotice("error.totp_throttled", args: ["until": TimeText.format(F.t0.addingTimeInterval(90), zone: TimeZone(identifier: "UTC")!, language: m.flow.language)]))
        // Without a flow that can unlock it, only the state is named.
        var plain = F.atTOTP()
        _ = plain.handle(.totpUnavailable(until: nil), F.inputs(at: 21))
        #expect(plain.flow.notices == [FlowNotice("error.totp_locked")])
    }

    @Test func aLockedAuthenticatorAsTheFirstStepOrInADecoyFlowIsAWrongCode() {
        for profile in [F.real, F.decoy] {
            var m = F.machine(profile, config: F.single(["totp"]))
            #expect(m.flow.phase == .enterTOTP)
            _ = m.handle(.totpUnavailable(until: nil), F.inputs(at: 1))
            #expect(m.flow.notices == [FlowNotice("error.code_wrong")])
            #expect(m.flow.step?.wrong == 1)
        }
    }

    @Test func totpAcceptedVerifiesWithGrantsForTheFlowsActions() {
        var m = F.atTOTP()
        let effects = m.handle(.totp(.accepted), F.inputs(at: 20))
        #expect(effects == [.audit(event: "recovery.step", outcome: "success", reason: "authenticator code accepted"),
                            .audit(event: "recovery.verified", outcome: "success", reason: "reset-password,unlock-account"), .notifyVerified])
        #expect(m.flow.phase == .verified)
        #expect(m.flow.step == nil)
        #expect(m.flow.stepIndex == 2)
        let expiry = F.t0.addingTimeInterval(20 + 600)
        #expect(m.flow.grants == [ActionGrant(action: .resetPassword, expiresAt: expiry), ActionGrant(action: .unlockAccount, expiresAt: expiry)])
        // A verified flow lives until its grants are used or expired, even past the flow lifetime.
        #expect(!m.flow.isExpired(at: F.t0.addingTimeInterval(610)))
        #expect(m.flow.isExpired(at: expiry))
    }

    @Test(arguments: [TOTPStepOutcome.rejected])
    func totpRejectedIsWrong(outcome: TOTPStepOutcome) {
        var m = F.atTOTP()
        let r8 = m.handle(.totp(outcome), F.inputs(at: 20))
        #expect(r8 == [.audit(event: "recovery.step", outcome: "failure", reason: "wrong authenticator code"), .wrongAnswer])
        #expect(F.noticeIDs(m) == ["error.code_wrong"])
        #expect(m.flow.phase == .enterTOTP)
        #expect(m.flow.step?.wrong == 1)
    }

    @Test func totpResyncNeededThenOk() {
        var m = F.atTOTP()
        let effects = m.handle(.totp(.resyncNeeded), F.inputs(at: 20))
        #expect(effects == [.audit(event: "recovery.step", outcome: "resync_needed", reason: "authenticator drifted")])
        #expect(m.flow.phase == .resyncTOTP)
        #expect(m.flow.notices == [FlowNotice("info.totp_resync", .info)])
        #expect(m.flow.step?.wrong == 0)
        let ok = m.handle(.totpResync(ok: true), F.inputs(at: 40))
        #expect(F.audits(ok) == ["recovery.step:success", "recovery.verified:success"])
        #expect(m.flow.phase == .verified)
        #expect(m.flow.grants.map(\.action) == [.resetPassword, .unlockAccount])
    }

    @Test func totpResyncFailingTooOftenFails() {
        var m = F.atTOTP()
        _ = m.handle(.totp(.resyncNeeded), F.inputs(at: 20))
        _ = m.handle(.totpResync(ok: false), F.inputs(at: 21))
        #expect(F.noticeIDs(m) == ["error.resync_failed"])
        #expect(m.flow.phase == .resyncTOTP)
        _ = m.handle(.totpResync(ok: false), F.inputs(at: 22))
        let effects = m.handle(.totpResync(ok: false), F.inputs(at: 23))
        #expect(effects.contains(.wrongAnswer))
        #expect(m.flow.phase == .failed)
    }

    // MARK: questions

    @Test func questionsAreDrawnFromTheAnsweredOnes() {
        var m = F.machine()
        _ = m.handle(.chooseFlow("mail"), F.inputs())
        _ = m.handle(.chooseContact(index: 0, typed: "alice@acme.cz"), F.inputs())
        let effects = m.handle(.submitCode(F.mailCode), F.inputs(at: 10))
        #expect(effects == [.audit(event: "recovery.step", outcome: "success", reason: "email code accepted")])
        #expect(m.flow.phase == .answerQuestions)
        let ids = m.flow.step?.questions?.questionIDs ?? []
        #expect(ids.count == 2)
        #expect(Set(ids).count == 2)
        #expect(Set(ids).isSubset(of: F.real.answeredQuestions))
        #expect(m.flow.step?.decoy == false)
    }

    @Test func questionsCorrectVerifiesWrongCounts() {
        var m = F.machine(config: F.single(["quiz"]))
        #expect(m.flow.phase == .answerQuestions)
        let wrong = m.handle(.answers(correct: false), F.inputs(at: 5))
        #expect(wrong == [.audit(event: "recovery.step", outcome: "failure", reason: "wrong answers"), .wrongAnswer])
        #expect(F.noticeIDs(m) == ["error.answers_wrong"])
        #expect(m.flow.step?.wrong == 1)
        let ok = m.handle(.answers(correct: true), F.inputs(at: 6))
        #expect(F.audits(ok) == ["recovery.step:success", "recovery.verified:success"])
        #expect(m.flow.phase == .verified)
        #expect(m.flow.grants == [ActionGrant(action: .unlockAccount, expiresAt: F.t0.addingTimeInterval(606)),
                                  ActionGrant(action: .selfservice, expiresAt: F.t0.addingTimeInterval(606))])
    }

    @Test func tooFewAnsweredQuestionsGiveADecoyStep() {
        var p = F.real
        p.answeredQuestions = ["q1"]
        var m = F.machine(p, config: F.single(["quiz"]))
        #expect(m.flow.step?.decoy == true)
        #expect(m.flow.step?.questions?.questionIDs.count == 2)
        _ = m.handle(.answers(correct: true), F.inputs())
        #expect(m.flow.phase == .answerQuestions)
        #expect(F.noticeIDs(m) == ["error.answers_wrong"])
    }

    // MARK: grants

    @Test func useGrantIsSingleUse() {
        var m = F.atVerified()
        let now = F.t0.addingTimeInterval(100)
        let r9 = m.useGrant(.resetPassword, now: now)
        #expect(r9)
        #expect(m.flow.grants[0].usedAt == now)
        let r10 = m.useGrant(.resetPassword, now: now)
        #expect(!r10)
        let r11 = m.useGrant(.resetPassword, now: now.addingTimeInterval(1))
        #expect(!r11)
        // The other grant is untouched and still usable.
        #expect(m.flow.grants[1].usedAt == nil)
        let r12 = m.useGrant(.unlockAccount, now: now)
        #expect(r12)
        // With every grant used, the verified flow counts as expired.
        #expect(m.flow.isExpired(at: now))
    }

    @Test(arguments: [(619.999, true), (620, false), (5000, false)])
    func useGrantExpires(offset: Double, usable: Bool) {
        var m = F.atVerified()  // verified at t0+20, grants for 600 s
        let r13 = m.useGrant(.unlockAccount, now: F.t0.addingTimeInterval(offset))
        #expect(r13 == usable)
        #expect((m.flow.grants[1].usedAt != nil) == usable)
    }

    @Test func useGrantNeedsAGrantedActionAndAVerifiedFlow() {
        var verified = F.atVerified()
        let r14 = verified.useGrant(.selfservice, now: F.t0.addingTimeInterval(30))
        #expect(!r14)
        let r15 = verified.useGrant(.emergencyCode, now: F.t0.addingTimeInterval(30))
        #expect(!r15)
        var m = F.atTOTP()
        let r16 = m.useGrant(.resetPassword, now: F.t0)
        #expect(!r16)
        // Grants planted in a flow that is not verified do not count.
        m = FlowStateMachine(config: F.config, profile: F.real, flow: F.atTOTP().flow.with {
            $0.grants = [ActionGrant(action: .resetPassword, expiresAt: F.t0.addingTimeInterval(600))]
        })
        let r17 = m.useGrant(.resetPassword, now: F.t0)
        #expect(!r17)
    }

    // MARK: events that do not fit the phase

    enum Phase: String, CaseIterable, CustomTestStringConvertible {
        case chooseFlow, chooseContact, enterCode, answerQuestions, enterTOTP, resyncTOTP, verified, failed
        var testDescription: String { rawValue }

        var machine: FlowStateMachine {
            switch self {
            case .chooseFlow: return F.machine()
            case .chooseContact:
                var m = F.machine(); _ = m.handle(.chooseFlow("phone"), F.inputs()); return m
            case .enterCode: return F.atEnterCode()
            case .answerQuestions: return F.machine(config: F.single(["quiz"]))
            case .enterTOTP: return F.atTOTP()
            case .resyncTOTP:
                var m = F.atTOTP(); _ = m.handle(.totp(.resyncNeeded), F.inputs(at: 20)); return m
            case .verified: return F.atVerified()
            case .failed:
                var m = F.atEnterCode()
                for i in 0..<3 { _ = m.handle(.submitCode("000000\(i)"), F.inputs(at: 1)) }
                return m
            }
        }

        var expected: FlowPhase {
            switch self {
            case .chooseFlow: .chooseFlow
            case .chooseContact: .chooseContact
            case .enterCode: .enterCode
            case .answerQuestions: .answerQuestions
            case .enterTOTP: .enterTOTP
            case .resyncTOTP: .resyncTOTP
            case .verified: .verified
            case .failed: .failed
            }
        }

        /// The events this phase takes (written from the design, not from the machine).
        func fits(_ e: FlowEvent) -> Bool {
            // The event's case name (a method's events are enums of their own).
            let name: String
            switch e {
            case .chooseFlow: name = "chooseFlow"
            case .step(let event): name = String(String(describing: event).prefix { $0 != "(" })
            }
            return switch (self, name) {
            case (.chooseFlow, "chooseFlow"), (.chooseContact, "chooseContact"), (.enterCode, "submitCode"), (.enterCode, "resend"),
                 (.answerQuestions, "answers"), (.enterTOTP, "totp"), (.resyncTOTP, "totpResync"): true
            default: false
            }
        }
    }

    static let allEvents: [FlowEvent] = [
        .chooseFlow("phone"), .chooseFlow("mail"), .chooseContact(index: 0, typed: "+420777123789"), .submitCode(F.smsCode),
        .submitCode(F.mailCode), .resend, .answers(correct: true), .answers(correct: false), .totp(.accepted), .totp(.resyncNeeded),
        .totp(.rejected), .totpResync(ok: true), .totpResync(ok: false),
    ]

    @Test(arguments: Phase.allCases)
    func eventsThatDoNotFitThePhaseChangeNothingButANotice(phase: Phase) {
        let start = phase.machine
        #expect(start.flow.phase == phase.expected)
        var checked = 0
        for event in Self.allEvents where !phase.fits(event) {
            var m = start
            let effects = m.handle(event, F.inputs(at: 100))
            #expect(effects == [], "\(event)")
            #expect(F.noticeIDs(m) == ["error.unexpected"], "\(event)")
            #expect(m.flow.withoutNotices == start.flow.withoutNotices, "\(event)")
            checked += 1
        }
        #expect(checked >= 10)
    }

    // MARK: anti-enumeration

    @Test func decoyFlowWalksTheSamePhasesButOnlyPretendsToSend() {
        var m = F.machine(F.decoy)
        #expect(m.flow.phase == .chooseFlow)
        let r18 = m.handle(.chooseFlow("phone"), F.inputs())
        #expect(r18 == [.audit(event: "recovery.choose", outcome: "ok", reason: "phone")])
        #expect(m.flow.phase == .chooseContact)
        #expect(m.flow.step?.decoy == true)
        #expect(m.flow.step?.contactCode?.contacts == F.decoyPhones)
        // A mistyped number is refused exactly as for a real user.
        let r19 = m.handle(.chooseContact(index: 0, typed: "+420777123789"), F.inputs())
        #expect(r19 ==
                [.audit(event: "recovery.step", outcome: "failure", reason: "contact did not match"), .wrongAnswer])
        #expect(F.noticeIDs(m) == ["error.number_mismatch"])
        // The right decoy number "sends".
        let effects = m.handle(.chooseContact(index: 0, typed: "111 222 333"), F.inputs())
        #expect(effects == [.pretendSend(channel: .sms), .countSend, .audit(event: "recovery.send", outcome: "ok", reason: "sms to +420 *** *** 333")])
        #expect(m.flow.phase == .enterCode)
        #expect(m.flow.notices == [FlowNotice("info.code_sent", .info, args: ["contact": "+420 *** *** 333"])])
        #expect(m.flow.step?.contactCode?.codeExpiresAt == F.t0.addingTimeInterval(300))
        // The code that would have been sent is never accepted.
        let r20 = m.handle(.submitCode(F.smsCode), F.inputs(at: 10))
        #expect(r20 == [.audit(event: "recovery.step", outcome: "failure", reason: "wrong code"), .wrongAnswer])
        #expect(F.noticeIDs(m) == ["error.code_wrong"])
        // Resend is limited the same way.
        let r21 = m.handle(.resend, F.inputs(at: 30))
        #expect(r21 == [])
        #expect(F.noticeIDs(m) == ["error.resend_too_early"])
        let r22 = m.handle(.resend, F.inputs(at: 60))
        #expect(r22.first == .pretendSend(channel: .sms))
    }

    @Test func aRealUserWithoutPhonesGetsADecoySmsStep() {
        var m = F.machine(F.noPhones)
        _ = m.handle(.chooseFlow("phone"), F.inputs())
        #expect(m.flow.step?.decoy == true)
        #expect(m.flow.step?.contactCode?.contacts == F.decoyPhones)
        let effects = m.handle(.chooseContact(index: 1, typed: "+420444555666"), F.inputs())
        #expect(F.nonAudit(effects) == [.pretendSend(channel: .sms), .countSend])
        _ = m.handle(.submitCode(F.smsCode), F.inputs(at: 5))
        #expect(m.flow.phase == .enterCode)
        #expect(F.noticeIDs(m) == ["error.code_wrong"])
    }

    @Test func aRealUserWithoutTOTPGetsADecoyTOTPStep() {
        var p = F.real
        p.hasTOTP = false
        var m = F.machine(p, config: F.single(["totp"]))
        #expect(m.flow.step?.decoy == true)
        _ = m.handle(.totp(.accepted), F.inputs())
        #expect(m.flow.phase == .enterTOTP)
        _ = m.handle(.totp(.resyncNeeded), F.inputs())
        #expect(m.flow.phase == .enterTOTP)
        #expect(F.noticeIDs(m) == ["error.code_wrong"])
    }

    /// Feeds a flow the "best" event of its phase, as if the attacker knew every answer; returns the phases seen.
    static func bestEffort(_ m: inout FlowStateMachine, flowChoice: String) -> [FlowPhase] {
        var effects: [FlowEffect] = []
        return bestEffort(&m, flowChoice: flowChoice, effects: &effects)
    }

    static func bestEffort(_ m: inout FlowStateMachine, flowChoice: String, effects: inout [FlowEffect]) -> [FlowPhase] {
        var seen: [FlowPhase] = [m.flow.phase]
        for i in 0..<40 {
            let inputs = F.inputs(at: Double(i) * 61)
            let event: FlowEvent
            switch m.flow.phase {
            case .chooseFlow: event = .chooseFlow(flowChoice)
            case .chooseContact: event = .chooseContact(index: 0, typed: m.flow.step?.contactCode?.contacts.first ?? "")
            case .enterCode:
                let length = (m.config.method(m.flow.step?.methodID ?? "")?.settings as? ContactCodeSettings)?.effectiveCodeLength ?? 6
                event = i % 4 == 3 ? .resend : .submitCode(String(F.digits.prefix(length)))
            case .answerQuestions: event = .answers(correct: true)
            case .enterTOTP: event = .totp(i % 2 == 0 ? .accepted : .resyncNeeded)
            case .resyncTOTP: event = .totpResync(ok: true)
            default: return seen  // verified, failed
            }
            effects += m.handle(event, inputs)
            seen.append(m.flow.phase)
        }
        return seen
    }

    @Test(arguments: [["sms"], ["mail"], ["totp"], ["quiz"], ["sms", "totp"], ["mail", "quiz"], ["quiz", "sms"]])
    func aDecoyFlowNeverVerifies(steps: [String]) {
        var m = F.machine(F.decoy, config: F.single(steps))
        var effects: [FlowEffect] = []
        let seen = Self.bestEffort(&m, flowChoice: "only", effects: &effects)
        #expect(!seen.contains(.verified))
        #expect(!effects.contains(.notifyVerified))
        #expect(!effects.contains { if case .send = $0 { true } else { false } })
        #expect(!effects.contains(.audit(event: "recovery.verified", outcome: "success", reason: "unlock-account,selfservice")))
        #expect(m.flow.phase == .failed)
        #expect(m.flow.grants.isEmpty)
        let r23 = m.useGrant(.unlockAccount, now: F.t0)
        #expect(!r23)
        // The same inputs verify a real user (the decoy fails for being a decoy, not for the inputs).
        var real = F.machine(F.real, config: F.single(steps))
        var realEffects: [FlowEffect] = []
        #expect(Self.bestEffort(&real, flowChoice: "only", effects: &realEffects).last == .verified)
        #expect(realEffects.filter { $0 == .notifyVerified }.count == 1)
    }

    @Test(arguments: ["phone", "mail"])
    func aDecoyFlowNeverVerifiesFromChooseFlow(flow: String) {
        var m = F.machine(F.decoy)
        let seen = Self.bestEffort(&m, flowChoice: flow)
        #expect(seen.first == .chooseFlow)
        #expect(seen.contains(.chooseContact))
        #expect(seen.contains(.enterCode))
        #expect(!seen.contains(.verified))
        #expect(m.flow.phase == .failed)
    }

    @Test func aFlowStartedAsDecoyStaysDecoyEvenWithTheRealProfile() {
        // The step state says decoy: a profile swap mid-flow must not let it pass.
        let decoyFlow = F.atEnterCode(F.decoy).flow
        var m = FlowStateMachine(config: F.config, profile: F.real, flow: decoyFlow)
        _ = m.handle(.submitCode(F.smsCode), F.inputs(at: 5))
        #expect(m.flow.phase == .enterCode)
        #expect(F.noticeIDs(m) == ["error.code_wrong"])
    }

    // MARK: documents look the same for real and decoy flows

    static let catalog = Catalog(texts: ["en": ["info.code_sent": "Code sent to {contact}.", "prompt.enter_code": "Enter the code."]])

    /// Everything of a document a client could tell flows apart by, except the masked texts and question ids.
    static func shape(_ d: FlowDocument) -> [String] {
        var out = ["state=\(d.state)", "lang=\(d.language)", "prompt=\(d.prompt.id)", "resend=\(d.resendAvailableAt.map { $0.timeIntervalSince(F.t0) } ?? -1)",
                   "step=\(d.step.map { "\($0.index)/\($0.count)/\($0.method)" } ?? "-")", "expires=\(d.expiresAt.timeIntervalSince(F.t0))",
                   "messages=\(d.messages.map { "\($0.id):\($0.type)" })", "actions=\(d.actions.map { "\($0.id):\($0.available)" })"]
        for f in d.fields {
            let name = f.name.hasPrefix("answer.") ? "answer.*" : f.name
            let label = f.label.id.hasPrefix("question.") ? "question.*" : f.label.id
            out.append("field \(name) \(f.type) \(label) \(f.required) options=\(f.options?.count ?? -1) \(f.autocomplete ?? "-")")
        }
        return out
    }

    enum Walk: String, CaseIterable, CustomTestStringConvertible {
        case chooseFlow, chooseNumber, numberMismatch, enterSmsCode, wrongSmsCode, resendTooEarly, resent, sendLimit
        case chooseAddress, enterMailCode, questions, wrongAnswers, totp, wrongTOTP, failed
        var testDescription: String { rawValue }

        var config: RecoveryConfig {
            switch self {
            case .questions, .wrongAnswers: F.single(["quiz"])
            case .totp, .wrongTOTP: F.single(["totp"])
            default: F.config
            }
        }

        /// The events that lead to this point; `own` is the profile's own contact 0.
        func events(own: (String) -> String) -> [(FlowEvent, Double)] {
            let number: [(FlowEvent, Double)] = [(.chooseFlow("phone"), 0)]
            let sent = number + [(.chooseContact(index: 0, typed: own("sms")), 1)]
            switch self {
            case .chooseFlow, .questions, .totp: return []
            case .chooseNumber: return number
            case .numberMismatch: return number + [(.chooseContact(index: 0, typed: "+420999888777"), 1)]
            case .enterSmsCode: return sent
            case .wrongSmsCode: return sent + [(.submitCode("0000000"), 5)]
            case .resendTooEarly: return sent + [(.resend, 10)]
            case .resent: return sent + [(.resend, 70)]
            case .sendLimit: return sent + [(.resend, 70), (.resend, 140), (.resend, 210)]
            case .chooseAddress: return [(.chooseFlow("mail"), 0)]
            case .enterMailCode: return [(.chooseFlow("mail"), 0), (.chooseContact(index: 0, typed: own("email")), 1)]
            case .wrongAnswers: return [(.answers(correct: false), 3)]
            case .wrongTOTP: return [(.totp(.rejected), 3)]
            case .failed: return sent + [(.submitCode("0000000"), 5), (.submitCode("0000001"), 6), (.submitCode("0000002"), 7)]
            }
        }
    }

    static func document(_ profile: RecoveryProfile, _ walk: Walk) -> (FlowDocument, FlowStateMachine) {
        var m = F.machine(profile, config: walk.config)
        var t = 0.0
        for (event, at) in walk.events(own: { type in
            type == "sms" ? (profile.phones.first ?? profile.decoyPhones[0]) : (profile.emails.first ?? profile.decoyEmails[0])
        }) {
            _ = m.handle(event, F.inputs(at: at))
            t = at
        }
        return (FlowDocument(flow: m.flow, config: walk.config, catalog: catalog, now: F.t0.addingTimeInterval(t + 1)), m)
    }

    @Test(arguments: Walk.allCases)
    func realAndDecoyDocumentsHaveTheSameShape(walk: Walk) throws {
        let (real, realMachine) = Self.document(F.real, walk)
        for other in [F.decoy, F.noPhones] {
            let (decoy, decoyMachine) = Self.document(other, walk)
            #expect(realMachine.flow.phase == decoyMachine.flow.phase)
            #expect(Self.shape(real) == Self.shape(decoy), "user \(other.userID == nil ? "unknown" : "without contacts")")
            // Masked options differ in text only: same count and the same mask pattern.
            for (r, d) in zip(real.fields, decoy.fields) {
                #expect(r.options?.map { Self.maskPattern($0.label) } == d.options?.map { Self.maskPattern($0.label) })
            }
            #expect(try Self.jsonKeys(real) == Self.jsonKeys(decoy))
        }
        // A document never shows a full number or address.
        let json = String(decoding: try JSONEncoder().encode(real), as: UTF8.self)
        for secret in ["777123789", "602111222", "alice@acme.cz", F.smsCode, F.mailCode] {
            #expect(!json.contains(secret), "\(secret) in \(walk)")
        }
    }

    /// Digits and letters replaced, so `+420 *** *** 789` and `+420 *** *** 333` compare equal.
    static func maskPattern(_ s: String) -> String {
        String(s.map { $0.isNumber ? "9" : ($0.isLetter ? "a" : $0) })
    }

    static func jsonKeys(_ d: FlowDocument) throws -> [String] {
        let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(d))
        var keys: [String] = []
        func walk(_ value: Any, _ path: String) {
            if let dict = value as? [String: Any] {
                for (k, v) in dict.sorted(by: { $0.key < $1.key }) {
                    let key = k.hasPrefix("answer.") || k.hasPrefix("question.") ? "*" : k
                    keys.append(path + "." + key); walk(v, path + "." + key)
                }
            } else if let array = value as? [Any] {
                for v in array { walk(v, path + "[]") }
            }
        }
        walk(object, "")
        return keys
    }

    @Test func aDocumentOfAnExpiredFlowSaysExpired() {
        let m = F.atEnterCode()
        let d = FlowDocument(flow: m.flow, config: F.config, catalog: Self.catalog, now: F.t0.addingTimeInterval(900))
        #expect(d.state == "expired")
        #expect(d.fields.isEmpty)
        let live = FlowDocument(flow: m.flow, config: F.config, catalog: Self.catalog, now: F.t0.addingTimeInterval(899))
        #expect(live.state == "enter_code")
        #expect(live.resendAvailableAt == F.t0.addingTimeInterval(60))
        #expect(live.messages.map(\.id) == ["info.code_sent"])
        #expect(live.messages.map(\.type) == ["info"])
        #expect(live.messages.map(\.text) == ["Code sent to +420 *** *** 789."])
    }
}

extension RecoveryFlow {
    /// A copy with `change` applied.
    func with(_ change: (inout RecoveryFlow) -> Void) -> RecoveryFlow {
        var copy = self
        change(&copy)
        return copy
    }

    /// A copy without the notices of the last submission.
    var withoutNotices: RecoveryFlow { with { $0.notices = [] } }
}
