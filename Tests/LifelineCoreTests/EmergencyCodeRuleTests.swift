import Crypto
import Foundation
import LifelineCore
import Testing

/// Emergency-code templates, the configuration rules around them, code formats and the stored HMAC.
@Suite("Emergency code rules")
struct EmergencyCodeRuleTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let valid = EmergencyCodeTemplate(id: "lost-phone", names: ["en": "Lost phone"], maxUses: 3, validFor: 86_400)

    func paths(_ t: EmergencyCodeTemplate) -> [String] { t.problems(path: ["emergency_code_templates", "0"]).map { $0.path.joined(separator: ".") } }

    @Test func aValidTemplateHasNoProblems() {
        #expect(paths(Self.valid) == [])
        var alnum = Self.valid
        alnum.alphabet = .alphanumeric; alnum.length = 8
        #expect(paths(alnum) == [])
        var onlyUntil = Self.valid
        onlyUntil.maxUses = nil; onlyUntil.validFor = nil; onlyUntil.validUntil = Self.t0
        #expect(paths(onlyUntil) == [])
    }

    /// One change to the valid template and the problem paths it must report (exactly these).
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var change: @Sendable (inout EmergencyCodeTemplate) -> Void
        var paths: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "bad id", change: { $0.id = "Lost Phone" }, paths: ["emergency_code_templates.0.id"]),
        Case(name: "empty id", change: { $0.id = "" }, paths: ["emergency_code_templates.0.id"]),
        Case(name: "no English name", change: { $0.names = ["cs": "Telefon"] }, paths: ["emergency_code_templates.0.names"]),
        Case(name: "9 digits", change: { $0.length = 9 }, paths: ["emergency_code_templates.0.length"]),
        Case(name: "33 digits", change: { $0.length = 33 }, paths: ["emergency_code_templates.0.length"]),
        Case(name: "7 alphanumerics", change: { $0.alphabet = .alphanumeric; $0.length = 7 }, paths: ["emergency_code_templates.0.length"]),
        Case(name: "no limit at all", change: { $0.maxUses = nil; $0.validFor = nil }, paths: ["emergency_code_templates.0"]),
        Case(name: "0 uses", change: { $0.maxUses = 0 }, paths: ["emergency_code_templates.0.max_uses"]),
        Case(name: "101 uses", change: { $0.maxUses = 101 }, paths: ["emergency_code_templates.0.max_uses"]),
        Case(name: "59 s", change: { $0.validFor = 59 }, paths: ["emergency_code_templates.0.valid_for"]),
        Case(name: "30 days + 1 s", change: { $0.validFor = 30 * 86_400 + 1 }, paths: ["emergency_code_templates.0.valid_for"]),
    ]

    @Test(arguments: cases)
    func templateProblems(_ c: Case) {
        var t = Self.valid
        c.change(&t)
        #expect(paths(t) == c.paths)
    }

    @Test func boundariesAreAllowed() {
        var t = Self.valid
        t.length = 32; t.maxUses = 100; t.validFor = 30 * 86_400
        #expect(paths(t) == [])
        t.length = 10; t.maxUses = 1; t.validFor = 60
        #expect(paths(t) == [])
    }

    // MARK: the configuration around templates

    static func config() -> RecoveryConfig {
        RecoveryConfig(methods: [MethodConfig(id: "sms", type: .sms), MethodConfig(id: "totp", type: .totp)],
                       flows: [FlowDefinition(id: "phone", names: ["en": "Phone"], steps: ["sms", "totp"], actions: [.emergencyCode])],
                       emergencyCodeTemplates: [valid])
    }

    @Test func configRulesForTemplates() {
        #expect(Self.config().problems() == [])

        var duplicate = Self.config()
        duplicate.emergencyCodeTemplates.append(Self.valid)
        #expect(duplicate.problems().map(\.description) == ["emergency_code_templates.1.id: template id 'lost-phone' is used twice"])

        var unknown = Self.config()
        unknown.flows[0].emergencyTemplate = "stolen-phone"
        #expect(unknown.problems().map(\.description) == ["flows.0.emergency_template: unknown emergency-code template 'stolen-phone'"])

        var none = Self.config()
        none.emergencyCodeTemplates = []
        #expect(none.problems().map(\.description) == ["flows.0.actions: emergency-code needs at least one entry in emergency_code_templates"])

        var broken = Self.config()
        broken.emergencyCodeTemplates[0].length = 4
        #expect(broken.problems().map { $0.path.joined(separator: ".") } == ["emergency_code_templates.0.length"])

        var named = Self.config()
        named.emergencyCodeTemplates.append(EmergencyCodeTemplate(id: "short", names: ["en": "Short"], maxUses: 1))
        named.flows[0].emergencyTemplate = "short"
        #expect(named.problems() == [])
        #expect(named.emergencyTemplate(for: named.flows[0])?.id == "short")
    }

    @Test func templatesDecodeFromTheDocumentForm() throws {
        let json = #"""
        {"id": "lost-phone", "names": {"en": "Lost phone"}, "alphabet": "alphanumeric", "length": 12, "max_uses": 3,
         "valid_for": 3600, "valid_until": "2027-01-15T00:00:00Z"}
        """#
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        let t = try d.decode(EmergencyCodeTemplate.self, from: Data(json.utf8))
        #expect(t.alphabet == .alphanumeric && t.length == 12 && t.maxUses == 3 && t.validFor == 3600)
        #expect(t.validUntil == Date(timeIntervalSince1970: 1_799_971_200))
    }

    // MARK: expiry at issue time

    @Test func expiryIsTheEarliestLimitAndNeverBeyond30Days() throws {
        let now = Self.t0
        var t = Self.valid
        #expect(try t.expiry(issuedAt: now) == now.addingTimeInterval(86_400))
        t.validFor = nil
        #expect(try t.expiry(issuedAt: now) == now.addingTimeInterval(30 * 86_400), "max_uses only: the 30-day cap")
        t.validUntil = now.addingTimeInterval(3600)
        #expect(try t.expiry(issuedAt: now) == now.addingTimeInterval(3600))
        t.validFor = 600
        #expect(try t.expiry(issuedAt: now) == now.addingTimeInterval(600))
        t.validFor = nil; t.validUntil = now.addingTimeInterval(90 * 86_400)
        #expect(try t.expiry(issuedAt: now) == now.addingTimeInterval(30 * 86_400), "valid_until far away: the cap")
    }

    @Test func aTemplatePastItsValidUntilCannotIssue() throws {
        var t = Self.valid
        t.validUntil = Self.t0.addingTimeInterval(-1)
        #expect { try t.expiry(issuedAt: Self.t0) } throws: { ($0 as? LifelineError)?.code == .actionUnavailable }
        t.validUntil = Self.t0.addingTimeInterval(30)
        #expect(throws: LifelineError.self, "less than a minute left") { try t.expiry(issuedAt: Self.t0) }
        t.validUntil = Self.t0.addingTimeInterval(60)
        #expect(try t.expiry(issuedAt: Self.t0) == Self.t0.addingTimeInterval(60))
    }

    // MARK: formats

    @Test func alphabets() {
        #expect(EmergencyCodeTemplate.Alphabet.digits.characters == Array("0123456789"))
        let alnum = Set(EmergencyCodeTemplate.Alphabet.alphanumeric.characters)
        #expect(alnum.count == 31)
        for lookAlike in "01ILO" { #expect(!alnum.contains(lookAlike)) }
        #expect(alnum.allSatisfy { $0.isASCII && ($0.isNumber || $0.isUppercase) })
    }

    @Test func normalization() {
        #expect(EmergencyCodeFormat.normalize("1234567890") == "1234567890")
        #expect(EmergencyCodeFormat.normalize("12345 67890") == "1234567890")
        #expect(EmergencyCodeFormat.normalize("1234-5678-90") == "1234567890")
        #expect(EmergencyCodeFormat.normalize("k7mq 9xhd") == "K7MQ9XHD")
        #expect(EmergencyCodeFormat.normalize("K7MQ-9XHD-2345") == "K7MQ9XHD2345")
        #expect(EmergencyCodeFormat.normalize("23456789") == "23456789", "8 digits of the alphanumeric alphabet")
        #expect(EmergencyCodeFormat.normalize(String(repeating: "7", count: 32)) == String(repeating: "7", count: 32))
        for bad in ["123456789", "12345678", "K7MQ9XH", "K7MQ9XHO", "K7MQ9XH1", String(repeating: "7", count: 33), "",
                    "１２３４５６７８９０", "K7MQ_9XHD", "K7MQ\t9XHD", "ÄBCDEFGH"] {
            #expect(EmergencyCodeFormat.normalize(bad) == nil, "\(bad)")
        }
    }

    @Test func displayGroupsAreEvenAndRoundTrip() {
        #expect(EmergencyCodeFormat.display("1234567890") == "12345 67890")
        #expect(EmergencyCodeFormat.display("K7MQ9XHD") == "K7MQ 9XHD")
        #expect(EmergencyCodeFormat.display("23456789ABCD") == "2345 6789 ABCD")
        #expect(EmergencyCodeFormat.display("12345678901") == "1234 5678 901")
        for length in 8...32 {
            let code = String(repeating: "A", count: length)
            let shown = EmergencyCodeFormat.display(code)
            #expect(shown.split(separator: " ").allSatisfy { (3...5).contains($0.count) }, "\(length): \(shown)")
            #expect(EmergencyCodeFormat.normalize(shown) == code)
        }
    }

    @Test func validateInputRule() throws {
        #expect(try Validation.validationCode("123456") == SubmittedCode([.otpToken: "123456"]))
        // 8 digits: an OTP or the Lifeline Authenticator's online/offline code; 9–13: its unblock code; 10–16: a token
        // PIN ‖ OTP (issue 16).
        #expect(try Validation.validationCode("12345678") == SubmittedCode([.otpToken: "12345678", .authenticator: "12345678"]))
        #expect(try Validation.validationCode("23456789") == SubmittedCode([.otpToken: "23456789", .authenticator: "23456789", .emergencyCode: "23456789"]))
        #expect(try Validation.validationCode("123456789") == SubmittedCode([.authenticator: "123456789"]))
        #expect(try Validation.validationCode("1234567890") == SubmittedCode([.otpToken: "1234567890", .authenticator: "1234567890", .emergencyCode: "1234567890"]))
        #expect(try Validation.validationCode("12345 67890") == SubmittedCode([.emergencyCode: "1234567890"]))
        #expect(try Validation.validationCode("k7mq-9xhd") == SubmittedCode([.emergencyCode: "K7MQ9XHD"]))
        for bad in ["12345", "12ab56", " 123456", "", "１２３４５６", "K7MQ9XH", String(repeating: "9", count: 33)] {
            #expect(throws: LifelineError.self, "\(bad)") { try Validation.validationCode(bad) }
        }
        // The OTP rule itself is unchanged (admin check and resync use it).
        #expect(throws: LifelineError.self) { try Validation.otpCode("1234567890") }
    }

    @Test func theHashIsBoundToTenantUserAndKey() {
        let key = SymmetricKey(data: Array(repeating: UInt8(7), count: 32))
        let tenant = UUID(), user = UUID()
        let h = EmergencyCodeFormat.hash(code: "1234567890", tenantID: tenant, userID: user, key: key)
        #expect(h.count == 64)
        #expect(h == EmergencyCodeFormat.hash(code: "1234567890", tenantID: tenant, userID: user, key: key))
        #expect(h != EmergencyCodeFormat.hash(code: "1234567891", tenantID: tenant, userID: user, key: key))
        #expect(h != EmergencyCodeFormat.hash(code: "1234567890", tenantID: UUID(), userID: user, key: key))
        #expect(h != EmergencyCodeFormat.hash(code: "1234567890", tenantID: tenant, userID: UUID(), key: key))
        #expect(h != EmergencyCodeFormat.hash(code: "1234567890", tenantID: tenant, userID: user, key: SymmetricKey(data: Array(repeating: UInt8(8), count: 32))))
        // An independent HMAC over the documented message.
        let message = Array("emergency-code/v1\u{0}\(tenant.uuidString.lowercased())\u{0}\(user.uuidString.lowercased())\u{0}1234567890".utf8)
        #expect(h == Hex.encode(HMAC<SHA256>.authenticationCode(for: message, using: key)))
    }

    @Test func stateResolution() {
        let s = EmergencyCodeState(userID: UUID(), templateID: "t", issuedAt: Self.t0, expiresAt: Self.t0.addingTimeInterval(60), maxUses: 2, usesLeft: 1)
        #expect(s.isUsable(at: Self.t0.addingTimeInterval(59)))
        #expect(!s.isUsable(at: Self.t0.addingTimeInterval(60)))
        #expect(s.resolved(at: Self.t0.addingTimeInterval(59)).status == .active)
        #expect(s.resolved(at: Self.t0.addingTimeInterval(60)).status == .expired)
        var used = s
        used.usesLeft = 0
        #expect(!used.isUsable(at: Self.t0))
        var revoked = s
        revoked.status = .revoked
        #expect(revoked.resolved(at: Self.t0.addingTimeInterval(600)).status == .revoked, "revoked stays revoked after expiry")
    }
}
