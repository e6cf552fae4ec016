import Foundation
import LifelineCore
import Testing

/// Typed access to a method entry's settings in the tables below.
fileprivate extension MethodConfig {
    var code: ContactCodeSettings { get { settings as! ContactCodeSettings } set { settings = newValue } }
    var quiz: QuestionsSettings { get { settings as! QuestionsSettings } set { settings = newValue } }
}

/// `RecoveryConfig.problems()`: one valid configuration, and one change per row with the problem it must cause.
@Suite("Recovery configuration rules")
struct RecoveryConfigTests {
    static let valid: RecoveryConfig = {
        var c = RecoveryConfig(
            methods: [MethodConfig(id: "sms", type: .sms, settings: ContactCodeSettings(codeLength: 6, codeLifetime: 300)),
                      MethodConfig(id: "email", type: .email, settings: ContactCodeSettings(codeLength: 8, codeLifetime: 1800)),
                      MethodConfig(id: "totp", type: .totp),
                      MethodConfig(id: "questions", type: .questions, settings: QuestionsSettings(questionCount: 2))],
            flows: [FlowDefinition(id: "phone", names: ["en": "Phone", "cs": "Telefon"], steps: ["sms", "totp"], actions: [.resetPassword, .emergencyCode]),
                    FlowDefinition(id: "mail-questions", names: ["en": "Mail"], steps: ["questions", "sms"], actions: [.resetPassword, .cardUnblock, .selfservice]),
                    FlowDefinition(id: "questions_only", names: ["en": "Questions"], steps: ["questions"], actions: [.unlockAccount, .selfservice])],
            questions: [SecurityQuestion(id: "pet", texts: ["en": "Pet?"]), SecurityQuestion(id: "town", texts: ["en": "Town?"]),
                        SecurityQuestion(id: "school", texts: ["en": "School?", "cs": "Škola?"])],
            selfserviceURL: "https://id.acme.cz/reset", defaultCountryCode: "+420", emailDomain: "acme.cz",
            emergencyCodeTemplates: [EmergencyCodeTemplate(id: "lost-phone", names: ["en": "Lost phone"], maxUses: 3, validFor: 86_400)])
        c.limits.wrongPerStep = 5
        return c
    }()

    @Test func aValidConfigHasNoProblems() {
        #expect(Self.valid.problems() == [])
        // The defaults of an empty configuration are safe too.
        #expect(RecoveryConfig().problems() == [])
    }

    /// One change to the valid configuration and the problem paths it must report (exactly these).
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var change: @Sendable (inout RecoveryConfig) -> Void
        var paths: [String]
        var reason: String = ""
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // The unsafe design: questions alone must not yield a new credential.
        Case(name: "questions only → reset-password", change: { $0.flows[2].actions = [.resetPassword] },
             paths: ["flows.2.actions"], reason: "only step is questions cannot unlock reset-password"),
        Case(name: "questions only → emergency-code", change: { $0.flows[2].actions = [.unlockAccount, .emergencyCode] },
             paths: ["flows.2.actions"], reason: "cannot unlock emergency-code"),
        Case(name: "questions only → both", change: { $0.flows[2].actions = [.emergencyCode, .resetPassword] },
             paths: ["flows.2.actions", "flows.2.actions"]),
        Case(name: "questions + sms → reset-password is fine", change: { $0.flows[1].steps = ["sms", "questions"]; $0.flows[1].actions = [.resetPassword, .cardUnblock] },
             paths: []),
        // Assurance (issue 13 item 11): an action that replaces a factor needs two steps of different kinds among
        // phone, mailbox and authenticator; questions never count; reset-password and card-unblock need possession.
        Case(name: "questions + sms → emergency-code", change: { $0.flows[1].actions = [.emergencyCode] },
             paths: ["flows.1.actions"], reason: "cannot unlock emergency-code"),
        Case(name: "sms alone → emergency-code", change: { $0.flows[0].steps = ["sms"] }, paths: ["flows.0.actions"], reason: "cannot unlock emergency-code"),
        Case(name: "email alone → emergency-code", change: { $0.flows[0].steps = ["email"] }, paths: ["flows.0.actions"], reason: "two steps of different kinds"),
        Case(name: "totp alone → emergency-code", change: { $0.flows[0].steps = ["totp"] }, paths: ["flows.0.actions"], reason: "cannot unlock emergency-code"),
        Case(name: "two sms methods → emergency-code", change: {
            $0.methods.append(MethodConfig(id: "sms2", type: .sms)); $0.flows[0].steps = ["sms", "sms2"]
        }, paths: ["flows.0.actions"], reason: "cannot unlock emergency-code"),
        Case(name: "sms + email → emergency-code is fine", change: { $0.flows[0].steps = ["sms", "email"] }, paths: []),
        Case(name: "email + totp + questions → emergency-code is fine", change: { $0.flows[0].steps = ["questions", "email", "totp"] }, paths: []),
        Case(name: "questions only → card-unblock", change: { $0.flows[2].actions = [.cardUnblock] },
             paths: ["flows.2.actions"], reason: "cannot unlock card-unblock"),
        Case(name: "totp → reset-password is fine", change: { $0.flows[0].steps = ["totp"]; $0.flows[0].actions = [.resetPassword] }, paths: []),
        Case(name: "two questions methods only → reset-password", change: {
            $0.methods.append(MethodConfig(id: "more-questions", type: .questions, settings: QuestionsSettings(questionCount: 1)))
            $0.flows[2].steps = ["questions", "more-questions"]; $0.flows[2].actions = [.resetPassword]
        }, paths: ["flows.2.actions"], reason: "only step is questions"),
        // Steps and ids.
        Case(name: "unknown method", change: { $0.flows[0].steps = ["sms", "voice"] }, paths: ["flows.0.steps.1"], reason: "unknown method 'voice'"),
        Case(name: "no steps", change: { $0.flows[0].steps = [] }, paths: ["flows.0.steps"]),
        Case(name: "six steps", change: {
            for i in 0..<4 { $0.methods.append(MethodConfig(id: "s\(i)", type: .sms)) }
            $0.flows[0].steps = ["sms", "totp", "s0", "s1", "s2", "s3"]
        }, paths: ["flows.0.steps"], reason: "more than 5"),
        Case(name: "a method twice in a flow", change: { $0.flows[0].steps = ["sms", "sms"] }, paths: ["flows.0.steps"], reason: "twice"),
        Case(name: "no actions", change: { $0.flows[0].actions = [] }, paths: ["flows.0.actions"]),
        Case(name: "an action twice", change: { $0.flows[0].actions = [.resetPassword, .resetPassword] }, paths: ["flows.0.actions"]),
        Case(name: "duplicate method id", change: { $0.methods.append(MethodConfig(id: "sms", type: .email)) },
             paths: ["methods.4.id"], reason: "used twice"),
        Case(name: "duplicate flow id", change: { $0.flows.append($0.flows[0]) }, paths: ["flows.3.id"], reason: "used twice"),
        Case(name: "duplicate question id", change: { $0.questions.append(SecurityQuestion(id: "pet", texts: ["en": "Again?"])) },
             paths: ["questions.3.id"], reason: "used twice"),
        Case(name: "bad method id", change: { $0.methods[2].id = "TOTP"; $0.flows[0].steps = ["sms", "TOTP"] }, paths: ["methods.2.id"]),
        Case(name: "bad flow id", change: { $0.flows[0].id = "a b" }, paths: ["flows.0.id"]),
        Case(name: "empty flow id", change: { $0.flows[0].id = "" }, paths: ["flows.0.id"]),
        Case(name: "no English flow name", change: { $0.flows[0].names = ["cs": "Telefon"] }, paths: ["flows.0.names"]),
        Case(name: "no English question", change: { $0.questions[0].texts = ["cs": "Zvíře?"] }, paths: ["questions.0.texts"]),
        // Code length and lifetime.
        Case(name: "code_length 5", change: { $0.methods[0].code.codeLength = 5 }, paths: ["methods.0.code_length"]),
        Case(name: "code_length 9", change: { $0.methods[1].code.codeLength = 9 }, paths: ["methods.1.code_length"]),
        Case(name: "code_length 8 sms", change: { $0.methods[0].code.codeLength = 8 }, paths: []),
        Case(name: "sms lifetime 600", change: { $0.methods[0].code.codeLifetime = 600 }, paths: []),
        Case(name: "sms lifetime 601", change: { $0.methods[0].code.codeLifetime = 601 }, paths: ["methods.0.code_lifetime"], reason: "30 to 600"),
        Case(name: "sms lifetime 1800", change: { $0.methods[0].code.codeLifetime = 1800 }, paths: ["methods.0.code_lifetime"]),
        Case(name: "email lifetime 1801", change: { $0.methods[1].code.codeLifetime = 1801 }, paths: ["methods.1.code_lifetime"], reason: "30 to 1800"),
        Case(name: "lifetime 29", change: { $0.methods[1].code.codeLifetime = 29 }, paths: ["methods.1.code_lifetime"]),
        Case(name: "lifetime 30", change: { $0.methods[0].code.codeLifetime = 30 }, paths: []),
        Case(name: "question_count above the catalog", change: { $0.methods[3].quiz.questionCount = 4 }, paths: ["methods.3.question_count"]),
        Case(name: "question_count 0", change: { $0.methods[3].quiz.questionCount = 0 }, paths: ["methods.3.question_count"]),
        Case(name: "default question_count needs 3", change: { $0.methods[3].quiz.questionCount = nil; $0.questions.removeLast() },
             paths: ["methods.3.question_count"]),
        // Limits.
        Case(name: "wrong_per_step 0", change: { $0.limits.wrongPerStep = 0 }, paths: ["limits.wrong_per_step"]),
        Case(name: "wrong_per_step 11", change: { $0.limits.wrongPerStep = 11 }, paths: ["limits.wrong_per_step"]),
        Case(name: "resend_delay 9", change: { $0.limits.resendDelay = 9 }, paths: ["limits.resend_delay"]),
        Case(name: "sends_per_flow 0", change: { $0.limits.sendsPerFlow = 0 }, paths: ["limits.sends_per_flow"]),
        Case(name: "sends_per_flow 11", change: { $0.limits.sendsPerFlow = 11 }, paths: ["limits.sends_per_flow"]),
        Case(name: "sends_per_user_per_hour 101", change: { $0.limits.sendsPerUserPerHour = 101 }, paths: ["limits.sends_per_user_per_hour"]),
        Case(name: "flow_lifetime 59", change: { $0.limits.flowLifetime = 59 }, paths: ["limits.flow_lifetime"]),
        Case(name: "flow_lifetime 3601", change: { $0.limits.flowLifetime = 3601 }, paths: ["limits.flow_lifetime"]),
        Case(name: "failed_flows_per_day 0", change: { $0.limits.failedFlowsPerDay = 0 }, paths: ["limits.failed_flows_per_day"]),
        Case(name: "grant_lifetime 29", change: { $0.limits.grantLifetime = 29 }, paths: ["limits.grant_lifetime"]),
        Case(name: "limits at their bounds", change: {
            $0.limits.wrongPerStep = 10; $0.limits.resendDelay = 10; $0.limits.sendsPerFlow = 1; $0.limits.sendsPerUserPerHour = 100
            $0.limits.flowLifetime = 3600; $0.limits.failedFlowsPerDay = 1; $0.limits.grantLifetime = 3600
        }, paths: []),
        // Self-service URL.
        Case(name: "selfservice without URL", change: { $0.selfserviceURL = nil }, paths: ["flows.1.actions", "flows.2.actions"], reason: "selfservice_url"),
        Case(name: "no selfservice action needs no URL", change: {
            $0.selfserviceURL = nil; $0.flows[1].actions = [.resetPassword]; $0.flows[2].actions = [.unlockAccount]
        }, paths: []),
        Case(name: "http URL", change: { $0.selfserviceURL = "http://id.acme.cz/reset" }, paths: ["selfservice_url"]),
        Case(name: "http localhost", change: { $0.selfserviceURL = "http://localhost:8080/reset" }, paths: []),
        Case(name: "http 127.0.0.1", change: { $0.selfserviceURL = "http://127.0.0.1/reset" }, paths: []),
        Case(name: "http localhost.evil", change: { $0.selfserviceURL = "http://localhost.evil.com/reset" }, paths: ["selfservice_url"]),
        Case(name: "http user@host", change: { $0.selfserviceURL = "http://localhost@evil.com/reset" }, paths: ["selfservice_url"]),
        Case(name: "javascript URL", change: { $0.selfserviceURL = "javascript:alert(1)" }, paths: ["selfservice_url"]),
        Case(name: "ftp URL", change: { $0.selfserviceURL = "ftp://id.acme.cz/" }, paths: ["selfservice_url"]),
        Case(name: "not a URL", change: { $0.selfserviceURL = "" }, paths: ["selfservice_url"]),
        Case(name: "https user@host", change: { $0.selfserviceURL = "https://id.acme.cz@evil.example/reset" }, paths: ["selfservice_url"]),
        Case(name: "https without host", change: { $0.selfserviceURL = "https:///reset" }, paths: ["selfservice_url"]),
        Case(name: "URL with a space", change: { $0.selfserviceURL = "https://id.acme.cz/re set" }, paths: ["selfservice_url"]),
        Case(name: "URL too long", change: { $0.selfserviceURL = "https://id.acme.cz/" + String(repeating: "a", count: 2048) }, paths: ["selfservice_url"]),
        Case(name: "HTTPS upper case", change: { $0.selfserviceURL = "HTTPS://id.acme.cz/reset" }, paths: []),
        // Directory: the tenant names an operator's connection; the form is checked here, the connection at apply.
        Case(name: "ldap by connection name", change: {
            $0.directory = DirectorySettings(type: .ldap, ldap: TenantLDAPSettings(connection: "corp", baseDN: "ou=staff,dc=acme,dc=cz",
                                                                                   userFilter: "(&(objectClass=user)(sAMAccountName={username}))"))
        }, paths: []),
        Case(name: "ldap without settings", change: { $0.directory = DirectorySettings(type: .ldap) }, paths: ["directory.ldap"]),
        Case(name: "ldap settings on builtin", change: { $0.directory = DirectorySettings(type: .builtin, ldap: TenantLDAPSettings(connection: "corp")) },
             paths: ["directory.ldap"]),
        Case(name: "connection name with a slash", change: { $0.directory = DirectorySettings(type: .ldap, ldap: TenantLDAPSettings(connection: "../corp")) },
             paths: ["directory.ldap.connection"]),
        Case(name: "base DN not a DN", change: { $0.directory = DirectorySettings(type: .ldap, ldap: TenantLDAPSettings(connection: "corp", baseDN: "staff")) },
             paths: ["directory.ldap.base_dn"]),
        Case(name: "base DN too long", change: {
            $0.directory = DirectorySettings(type: .ldap, ldap: TenantLDAPSettings(connection: "corp", baseDN: String(repeating: "ou=a,", count: 205) + "dc=cz"))
        }, paths: ["directory.ldap.base_dn"]),
        Case(name: "filter without {username}", change: { $0.directory = DirectorySettings(type: .ldap, ldap: TenantLDAPSettings(connection: "corp", userFilter: "(uid=alice)")) },
             paths: ["directory.ldap.user_filter"]),
        Case(name: "filter too long", change: {
            $0.directory = DirectorySettings(type: .ldap, ldap: TenantLDAPSettings(connection: "corp", userFilter: "(&(uid={username})" + String(repeating: "(cn=*)", count: 200) + ")"))
        }, paths: ["directory.ldap.user_filter"], reason: "at most 1024 bytes"),
        // Country code and mail domain.
        Case(name: "country code without +", change: { $0.defaultCountryCode = "420" }, paths: ["default_country_code"]),
        Case(name: "country code too long", change: { $0.defaultCountryCode = "+4201" }, paths: ["default_country_code"]),
        Case(name: "country code letters", change: { $0.defaultCountryCode = "+4a" }, paths: ["default_country_code"]),
        Case(name: "country code non-ASCII digits", change: { $0.defaultCountryCode = "+٤٢" }, paths: ["default_country_code"]),
        Case(name: "email domain with @", change: { $0.emailDomain = "x@acme.cz" }, paths: ["email_domain"]),
        Case(name: "email domain without dot", change: { $0.emailDomain = "acme" }, paths: ["email_domain"]),
    ]

    @Test(arguments: cases)
    func aChangeCausesExactlyItsProblems(_ c: Case) {
        var config = Self.valid
        c.change(&config)
        let problems = config.problems()
        #expect(problems.map { $0.path.joined(separator: ".") } == c.paths, "\(problems)")
        if !c.reason.isEmpty {
            #expect(problems.contains { $0.reason.contains(c.reason) }, "\(problems)")
        }
    }

    @Test func problemsDescribeTheirPath() {
        let p = ConfigProblem(path: ["flows", "1", "actions"], reason: "unlocks no action")
        #expect(p.description == "flows.1.actions: unlocks no action")
        #expect(ConfigProblem(path: [], reason: "x").description == "x")
    }

    @Test func decodingUsesSnakeCaseAndSafeDefaults() throws {
        let json = """
        {"methods":[{"id":"sms","type":"sms","code_length":7,"code_lifetime":120}],
         "flows":[{"id":"f","names":{"en":"F"},"steps":["sms"],"actions":["reset-password","selfservice"]}],
         "limits":{"wrong_per_step":3},"selfservice_url":"https://x.example/","default_country_code":"+47","email_domain":"firma.no"}
        """
        let c = try JSONDecoder().decode(RecoveryConfig.self, from: Data(json.utf8))
        #expect(c.methods == [MethodConfig(id: "sms", type: .sms, settings: ContactCodeSettings(codeLength: 7, codeLifetime: 120))])
        #expect(c.flows[0].actions == [.resetPassword, .selfservice])
        #expect(c.limits.wrongPerStep == 3)
        #expect(c.limits.sendsPerFlow == RecoveryLimits().sendsPerFlow)
        #expect(c.defaultCountryCode == "+47")
        #expect(c.problems() == [])
        // Round trip.
        #expect(try JSONDecoder().decode(RecoveryConfig.self, from: JSONEncoder().encode(c)) == c)
        // Unknown method types are refused by decoding.
        #expect(throws: (any Error).self) {
            try JSONDecoder().decode(RecoveryConfig.self, from: Data(#"{"methods":[{"id":"v","type":"voice"}]}"#.utf8))
        }
    }

    /// A setting of another method is refused where the entry is read (each method's settings know their own keys),
    /// with its path: before methods were plug-ins these were problems at the same paths (`methods.3` for the two
    /// whole-entry rules, now the key itself).
    @Test(arguments: [
        (#"{"id":"sms","type":"sms","question_count":2}"#, "methods.0.question_count"),
        (#"{"id":"q","type":"questions","code_length":6}"#, "methods.0.code_length"),
        (#"{"id":"t","type":"totp","code_lifetime":60}"#, "methods.0.code_lifetime"),
    ])
    func settingsOfAnotherMethodAreRefused(entry: String, path: String) throws {
        let decoder = JSONDecoder()
        decoder.userInfo[ConfigKeyCheck.strict] = true
        do {
            _ = try decoder.decode(RecoveryConfig.self, from: Data(#"{"methods":[\#(entry)]}"#.utf8))
            Issue.record("\(entry) was accepted")
        } catch let p as ConfigProblem {
            #expect(p.path.joined(separator: ".") == path)
            #expect(p.reason.contains("is not a known key"))
        }
        // Read leniently (the store's own rows), the entry is its method's with the key ignored.
        #expect(try JSONDecoder().decode(RecoveryConfig.self, from: Data(#"{"methods":[\#(entry)]}"#.utf8)).methods.count == 1)
    }

    /// The stored form of a method entry is byte for byte what it was: `id`, `type` and the settings, flat.
    @Test func methodEntriesEncodeAsBefore() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(Self.valid.methods), as: UTF8.self)
        #expect(text == #"[{"code_length":6,"code_lifetime":300,"id":"sms","type":"sms"},{"code_length":8,"code_lifetime":1800,"id":"email","type":"email"},"#
                + #"{"id":"totp","type":"totp"},{"id":"questions","question_count":2,"type":"questions"}]"#)
    }

    @Test func effectiveMethodDefaults() {
        #expect((MethodConfig(id: "s", type: .sms).settings as? ContactCodeSettings)?.effectiveCodeLength == 6)
        #expect(SMSMethod().lifetime(ContactCodeSettings()) == 300)
        #expect(EmailMethod().lifetime(ContactCodeSettings()) == 900)
        #expect((MethodConfig(id: "q", type: .questions).settings as? QuestionsSettings)?.effectiveQuestionCount == 3)
        let f = FlowDefinition(id: "f", names: ["en": "Phone", "cs": "Telefon"], steps: [], actions: [])
        #expect(f.name(in: "cs") == "Telefon")
        #expect(f.name(in: "nb") == "Phone")
    }
}
