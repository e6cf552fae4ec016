import Crypto
import Foundation
@testable import LifelineCore
import Testing

/// The rules of ``DecoyDistribution`` and ``DecoyGenerator``: only values at least 3 users share, in their shares,
/// deterministic per username and stable under small changes.
@Suite("Decoy distribution")
struct DecoyDistributionTests {
    static let key = SymmetricKey(data: Data(repeating: 0x42, count: 32))
    static let tenant = UUID(uuidString: "11111111-2222-4333-8444-555555555555")!
    static let config = RecoveryConfig(methods: [MethodConfig(id: "q", type: .questions, settings: QuestionsSettings(questionCount: 2))],
                                       questions: (0..<8).map { SecurityQuestion(id: "q\($0)", texts: ["en": "?"]) },
                                       defaultCountryCode: "+47", emailDomain: "firma.no")
    static let stats = RecoveryStatistics(
        emailDomains: ["corp.example": 60, "gmail.com": 30, "pair.example": 2, "solo.example": 1],
        phoneCountries: ["+46": 70, "+45": 20, "+48": 1],
        phoneCounts: [1: 60, 2: 30, 5: 1], emailCounts: [1: 80, 2: 11],
        answerCounts: [1: 10, 3: 50, 4: 30, 7: 2],
        questionUsers: ["q0": 80, "q1": 80, "q2": 60, "q3": 40, "q4": 20])

    static func decoys(_ user: String, _ stats: RecoveryStatistics = stats) -> Decoys {
        DecoyGenerator.decoys(key: key, tenantID: tenant, usernameKey: user, distribution: DecoyDistribution(stats, config: config),
                              catalog: config.questions.map(\.id))
    }

    static let users = (0..<1000).map { "user\($0)" }

    @Test func valuesFewerThanThreeUsersShareArePooledIntoTheMostCommon() {
        let d = DecoyDistribution(Self.stats, config: Self.config)
        #expect(d.domains.map(\.value) == ["corp.example", "gmail.com"])
        #expect(d.countries.map(\.value) == ["+45", "+46"])
        #expect(d.phoneCounts.map(\.value) == [1, 2])
        #expect(d.emailCounts.map(\.value) == [1, 2])
        // Sizes below the step's 2 questions are not imitated (such a user gets a decoy step too); 7 is shared by 2 only.
        #expect(d.questionSetSizes.map(\.value) == [3, 4])
        #expect(DecoyDistribution.pooled(["a": 5, "b": 3, "c": 2, "d": 1]) == ["a": 8, "b": 3])
        #expect(DecoyDistribution.pooled(["a": 2, "b": 1]) == [:])
        // Weights in 1/32 steps of the total, at least 1.
        #expect(DecoyDistribution.quantized(["a": 63, "b": 1]) == [.init(value: "a", weight: 32), .init(value: "b", weight: 1)])
        #expect(d.questionWeights["q7"] == 0 && d.questionWeights["q0"] == 32)

        for user in Self.users.prefix(300) {
            let decoy = Self.decoys(user)
            #expect(decoy.emails.allSatisfy { $0.hasSuffix("@corp.example") || $0.hasSuffix("@gmail.com") })
            #expect(decoy.emails.allSatisfy { ContactFormat.normalizeEmail($0) == $0 })
            #expect(decoy.phones.allSatisfy { ["+45", "+46"].contains(ContactFormat.countryCode($0)) && ContactFormat.normalizePhone($0, defaultCountryCode: "+1") == $0 })
            #expect([1, 2].contains(decoy.phones.count) && [1, 2].contains(decoy.emails.count))
            #expect([3, 4].contains(decoy.questions.count))
            #expect(decoy.questions.allSatisfy { ["q0", "q1", "q2", "q3", "q4"].contains($0) })
        }
    }

    @Test func sharesFollowTheRealOnes() {
        let all = Self.users.map { Self.decoys($0) }
        let gmail = Double(all.filter { $0.emails[0].hasSuffix("@gmail.com") }.count) / Double(all.count)
        let denmark = Double(all.filter { $0.phones[0].hasPrefix("+45") }.count) / Double(all.count)
        let popular = Double(all.filter { $0.questions.contains("q0") }.count) / Double(all.count)
        let rare = Double(all.filter { $0.questions.contains("q4") }.count) / Double(all.count)
        // Real shares: gmail 30 of 93 users, +45 20 of 91; 1000 draws have a standard deviation under 1.6 points.
        #expect(abs(gmail - 30.0 / 93) < 0.08, "gmail share \(gmail)")
        #expect(abs(denmark - 20.0 / 91) < 0.08, "+45 share \(denmark)")
        #expect(popular > rare + 0.2, "q0 in \(popular), q4 in \(rare) of the decoy subsets")
    }

    @Test func deterministicPerUsernameAndKey() {
        #expect(Self.decoys("alice") == Self.decoys("alice"))
        #expect(Set(Self.users.prefix(100).map { Self.decoys($0).phones }).count == 100)
        let other = DecoyGenerator.decoys(key: SymmetricKey(data: Data(repeating: 0x43, count: 32)), tenantID: Self.tenant, usernameKey: "alice",
                                          distribution: DecoyDistribution(Self.stats, config: Self.config), catalog: Self.config.questions.map(\.id))
        #expect(other != Self.decoys("alice"))
    }

    @Test func stableUnderSmallChangesOfTheDistribution() {
        // One more user at corp.example (every share stays within its 1/32 step): no decoy changes at all.
        var plusOne = Self.stats
        plusOne.emailDomains["corp.example"]! += 1
        plusOne.emailCounts[1]! += 1
        #expect(Self.users.filter { Self.decoys($0) != Self.decoys($0, plusOne) }.isEmpty)
        // Ten more users at gmail: its weight moves by 2 of 32, so a few percent of the decoy domains move, and nothing else.
        var plusTen = Self.stats
        plusTen.emailDomains["gmail.com"]! += 10
        let moved = Self.users.filter { Self.decoys($0).emails != Self.decoys($0, plusTen).emails }.count
        #expect(moved > 0 && moved < 120, "\(moved) of 1000 decoys changed their addresses")
        #expect(Self.users.allSatisfy { Self.decoys($0).phones == Self.decoys($0, plusTen).phones })
        #expect(Self.users.allSatisfy { Self.decoys($0).questions == Self.decoys($0, plusTen).questions })
    }

    @Test func aTenantWithoutUsersFallsBackToItsDomainAndCountry() {
        for user in Self.users.prefix(100) {
            let decoy = Self.decoys(user, .empty)
            #expect(decoy.emails.allSatisfy { $0.hasSuffix("@firma.no") })
            #expect(decoy.phones.allSatisfy { $0.hasPrefix("+47") })
            #expect(decoy.questions == Self.config.questions.map(\.id))
        }
    }

    @Test func aDecoyQuestionStepAsksOnlyFromTheSubset() {
        let decoy = Self.decoys("ghost")
        let profile = RecoveryProfile(userID: nil, phones: [], emails: [], answeredQuestions: [], hasTOTP: false,
                                      decoyPhones: decoy.phones, decoyEmails: decoy.emails, decoyQuestions: decoy.questions)
        var config = Self.config
        config.flows = [FlowDefinition(id: "f", names: ["en": "F"], steps: ["q"], actions: [.unlockAccount])]
        var asked = Set<String>()
        for i in 0..<50 {
            let flow = RecoveryFlow(id: UUID(), tenantID: Self.tenant, tenant: "t", username: "ghost", userID: nil, language: "en",
                                    createdAt: Date(timeIntervalSince1970: 0), expiresAt: Date(timeIntervalSince1970: 900))
            var machine = FlowStateMachine(config: config, profile: profile, flow: flow)
            _ = machine.start(FlowInputs(now: Date(timeIntervalSince1970: 0), freshCode: "12345678", random: (0..<32).map { UInt8(($0 * 7 + i * 13) % 256) },
                                         codeKey: Self.key, sendsThisHour: 0))
            #expect(machine.flow.step?.decoy == true)
            asked.formUnion(machine.flow.step?.questions?.questionIDs ?? [])
        }
        #expect(asked == Set(decoy.questions))
    }
}
