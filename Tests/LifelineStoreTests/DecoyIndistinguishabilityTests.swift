import Foundation
import LifelineApp
import LifelineCore
import LifelineStore
import Testing

/// Issue 13 item 9: a decoy flow (unknown username) must not be told apart from a real one by its masks, by the
/// questions it asks over repeated flows, or by what a key rotation changes. Run on SQLite and PostgreSQL, through
/// the runtime's recovery service with the real store and key file.
@Suite("Decoys stay indistinguishable")
struct DecoyIndistinguishabilityTests {
    /// The real distribution of the tenant (100 users). Domains and countries shared by fewer than 3 users (the
    /// k-anonymity threshold) must never appear in a decoy.
    static let commonDomains = ["firma.no": 50, "posteo.de": 30, "mail.ch": 17]
    static let rareDomains = ["rare.dk": 2, "zz-unique.io": 1]
    static let commonCountries = ["+46": 50, "+45": 30, "+358": 17]
    static let rareCountries = ["+48": 2, "+372": 1]
    static let questions = (0..<10).map { "q\($0)" }
    /// Questions no real user answered: a decoy must never ask them either.
    static let unanswered: Set<String> = ["q7", "q8", "q9"]

    static let config: RecoveryConfig = {
        var c = RecoveryConfig(
            methods: [MethodConfig(id: "sms", type: .sms), MethodConfig(id: "email", type: .email),
                      MethodConfig(id: "q", type: .questions, settings: QuestionsSettings(questionCount: 2))],
            flows: [FlowDefinition(id: "by-sms", names: ["en": "SMS"], steps: ["sms"], actions: [.unlockAccount]),
                    FlowDefinition(id: "by-email", names: ["en": "Email"], steps: ["email"], actions: [.unlockAccount]),
                    FlowDefinition(id: "by-q", names: ["en": "Questions"], steps: ["q"], actions: [.unlockAccount])],
            questions: questions.map { SecurityQuestion(id: $0, texts: ["en": "Question \($0)?"]) },
            defaultCountryCode: "+47", emailDomain: "example.org")
        c.limits.flowLifetime = 900
        return c
    }()

    /// Expands `{value: users}` into one value per user, in a fixed order.
    static func spread(_ counts: [String: Int]) -> [String] { counts.sorted { $0.key < $1.key }.flatMap { Array(repeating: $0.key, count: $0.value) } }

    static let realUsers = (0..<100).map { String(format: "ann%03d", $0) }
    static let unknownUsers = (0..<100).map { String(format: "ann%03dx", $0) }

    /// The numbers of real user `i`: 1 (40 users), 2 (40) or 3 (20), all in the user's country, digits unique per user.
    static func phones(_ i: Int) -> [String] {
        let countries = spread(commonCountries.merging(rareCountries) { a, _ in a })
        let count = i % 5 < 2 ? 1 : (i % 5 < 4 ? 2 : 3)
        return (0..<count).map { countries[i] + String(format: "7%02d%05d", $0, 10_000 + i) }
    }

    /// Phones per real user: 1 (40 users), 2 (40), 3 (20); emails: 1 (70), 2 (30). Answered sets: 2 to 5 of q0–q6.
    static func seed(_ rt: TestRuntime) async throws {
        let admin = rt.runtime.admin
        let tenant = try await admin.createTenant(name: "acme", displayName: "ACME", caller: .cli)
        try await admin.applyRecoveryConfig(tenantName: "acme", config, caller: .cli)
        let domains = spread(commonDomains.merging(rareDomains) { a, _ in a })
        for (i, name) in realUsers.enumerated() {
            var new = AdminService.NewUser(username: name)
            new.phones = phones(i)
            new.emails = [name + "@" + domains[i]] + (i % 10 < 3 ? [name + ".alt@" + domains[i]] : [])
            let user = try await admin.createUser(tenantName: "acme", new, caller: .cli)
            // Answer hashes written directly: the flows here never check an answer, and 100 slow hashes per user
            // would only make the test slow.
            let size = 2 + i % 4
            let answered = (0..<size).map { "q\((i + $0) % 7)" }
            try await rt.runtime.store.setAnswers(userID: user.id, hashes: Dictionary(uniqueKeysWithValues: answered.map { ($0, "x") }),
                                                  audit: AuditRecord(time: rt.clock.now(), tenant: tenant.name, actor: "test", subject: name, event: "user.answers", outcome: "ok"))
        }
    }

    /// What a flow of `username` shows: the masked numbers, the masked addresses.
    struct Masks: Equatable, CustomStringConvertible {
        var phones: [String]
        var emails: [String]
        var description: String { "\(phones) \(emails)" }
    }

    static func options(_ doc: FlowDocument) -> [String] { doc.fields.first?.options?.map(\.label) ?? [] }

    static func masks(_ rt: TestRuntime, _ username: String) async throws -> Masks {
        let recovery = rt.runtime.recovery
        var shown: [[String]] = []
        for def in ["by-sms", "by-email"] {
            let doc = try await recovery.createFlow(tenantName: "acme", username: username, language: "en", source: "test")
            let next = try await recovery.submit(flowID: try #require(UUID(uuidString: doc.id)), fields: ["flow": def], source: "test")
            #expect(next.state == "choose_contact")
            shown.append(options(next))
        }
        return Masks(phones: shown[0], emails: shown[1])
    }

    /// The question ids of `flows` question steps of `username`, each flow's as one set.
    static func askedQuestions(_ rt: TestRuntime, _ username: String, flows: Int) async throws -> [Set<String>] {
        var out: [Set<String>] = []
        for _ in 0..<flows {
            let doc = try await rt.runtime.recovery.createFlow(tenantName: "acme", username: username, language: "en", source: "test")
            let next = try await rt.runtime.recovery.submit(flowID: try #require(UUID(uuidString: doc.id)), fields: ["flow": "by-q"], source: "test")
            out.append(Set(next.fields.map { String($0.name.dropFirst("answer.".count)) }))
        }
        return out
    }

    /// What `lifeline keys rotate` does: a new current key in the key file, then every secret re-encrypted.
    static func rotate(_ rt: TestRuntime) async throws {
        let fileVault = try #require(rt.runtime.fileVault)
        let before = try await rt.runtime.vault.ring().currentID
        _ = try fileVault.addKey(random: SystemRandom())
        _ = try await KeyRotation(storage: rt.runtime.store, vault: rt.runtime.vault).reencryptAll()
        #expect(try await rt.runtime.vault.ring().currentID != before)
    }

    static func country(_ mask: String) -> String { String(mask.prefix { $0 != " " }) }
    static func maskedDomain(_ domain: String) -> String { ContactFormat.maskEmail("a@" + domain).replacingOccurrences(of: "a***@", with: "") }
    static func emailMaskDomain(_ mask: String) -> String { String(mask.split(separator: "@").last ?? "") }

    @Test("masks and question subsets of 100 real and 100 unknown usernames survive a key rotation; decoys follow the real distribution",
          arguments: Backend.available)
    func masksSurviveRotation(_ backend: Backend) async throws {
        let rt = try await TestRuntime.open(backend)
        do {
            try await Self.seed(rt)
            let everyone = Self.realUsers + Self.unknownUsers
            var before: [String: Masks] = [:]
            for u in everyone { before[u] = try await Self.masks(rt, u) }
            let sampled = Array(Self.realUsers.prefix(15)) + Array(Self.unknownUsers.prefix(15))
            var askedBefore: [String: [Set<String>]] = [:]
            for u in sampled { askedBefore[u] = try await Self.askedQuestions(rt, u, flows: 6) }

            try await Self.rotate(rt)

            var changed: [String] = []
            for u in everyone {
                let after = try await Self.masks(rt, u)
                if after != before[u] { changed.append("\(u): \(before[u]!) -> \(after)") }
            }
            #expect(changed.isEmpty, "\(changed.count) of 200 usernames show other masks after the rotation, e.g. \(changed.prefix(3))")

            // The question subset of an unknown username is one stable set, before and after the rotation, whose size is
            // in the range of the real users' answered sets (2–5) and which holds only questions some real user answered.
            for u in sampled {
                let after = try await Self.askedQuestions(rt, u, flows: 6)
                let union = (askedBefore[u]! + after).reduce(Set<String>()) { $0.union($1) }
                #expect(union.count <= 5, "\(u) was asked \(union.sorted()) over 12 flows: more than any real user answered")
                #expect(union.isDisjoint(with: Self.unanswered), "\(u) was asked \(union.intersection(Self.unanswered).sorted()), which no real user answered")
            }

            // Decoy masks come only from domains and countries that at least 3 real users share, in similar shares, and
            // with the counts real users have.
            let decoys = Self.unknownUsers.map { before[$0]! }
            let allowedDomains = Set(Self.commonDomains.keys.map(Self.maskedDomain))
            let forbiddenDomains = Set(Self.rareDomains.keys.map(Self.maskedDomain))
            let decoyDomains = decoys.flatMap(\.emails).map(Self.emailMaskDomain)
            #expect(Set(decoyDomains).isSubset(of: allowedDomains), "decoy domains \(Set(decoyDomains).sorted()), real \(allowedDomains.sorted())")
            #expect(Set(decoyDomains).isDisjoint(with: forbiddenDomains), "a rare domain shows in a decoy")
            let decoyCountries = decoys.flatMap(\.phones).map(Self.country)
            #expect(Set(decoyCountries) == Set(Self.commonCountries.keys), "decoy countries \(Set(decoyCountries).sorted())")
            #expect(Set(decoyCountries).isDisjoint(with: Self.rareCountries.keys), "a rare country shows in a decoy")
            #expect(Set(decoys.map(\.phones.count)) == [1, 2, 3], "decoy phone counts \(Set(decoys.map(\.phones.count)).sorted())")
            #expect(Set(decoys.map(\.emails.count)) == [1, 2], "decoy email counts \(Set(decoys.map(\.emails.count)).sorted())")
            // Shares within 20 points of the real ones (4 standard deviations of 100 draws).
            for (domain, users) in Self.commonDomains {
                let share = Double(decoys.filter { $0.emails.first.map(Self.emailMaskDomain) == Self.maskedDomain(domain) }.count)
                #expect(abs(share - Double(users)) <= 20, "\(domain): \(share) of 100 decoys, \(users) of 100 real users")
            }
            for (code, users) in Self.commonCountries {
                let share = Double(decoys.filter { $0.phones.first.map(Self.country) == code }.count)
                #expect(abs(share - Double(users)) <= 20, "\(code): \(share) of 100 decoys, \(users) of 100 real users")
            }
        } catch {
            await rt.close()
            throw error
        }
        await rt.close()
    }

    @Test("a code sent before a key rotation is accepted after it", arguments: Backend.available)
    func codeInFlightSurvivesRotation(_ backend: Backend) async throws {
        let rt = try await TestRuntime.open(backend)
        do {
            try await Self.seed(rt)
            let recovery = rt.runtime.recovery
            let number = Self.phones(0)[0]
            var doc = try await recovery.createFlow(tenantName: "acme", username: "ann000", language: "en", source: "test")
            let id = try #require(UUID(uuidString: doc.id))
            doc = try await recovery.submit(flowID: id, fields: ["flow": "by-sms"], source: "test")
            #expect(Self.options(doc) == [ContactFormat.maskPhone(number)])
            doc = try await recovery.submit(flowID: id, fields: ["contact": "0", "number": number], source: "test")
            #expect(doc.state == "enter_code")
            var code = ""
            for m in try await rt.runtime.store.recentMessages(limit: 10) where m.recipient == number {
                let text = String(decoding: try await rt.runtime.vault.open(try #require(m.body), context: m.sealContext), as: UTF8.self)
                code = text.split(whereSeparator: { !$0.isNumber }).first { $0.count == 6 }.map(String.init) ?? code
            }
            #expect(code.count == 6)

            try await Self.rotate(rt)

            doc = try await recovery.submit(flowID: id, fields: ["code": code], source: "test")
            #expect(doc.state == "verified", "after the rotation: \(doc.state) \(doc.messages.map(\.id))")
        } catch {
            await rt.close()
            throw error
        }
        await rt.close()
    }
}
