import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing

/// The security-questions step, whose check is slow hashing, is limited per flow and per client address; a refused
/// submission is neither hashed nor charged to the guessing budget (issue 13 item 4).
@Suite("Recovery: questions-step limits")
struct QuestionStepLimitTests {
    /// A tenant whose only flow is the questions step, so an anonymous caller reaches it at once.
    static func questionsOnly(_ fx: Fixture) async throws {
        var file = try DemoSeeder.tenantFile()
        file.recovery.flows = [FlowDefinition(id: "questions-only", names: ["en": "Questions"], steps: ["questions"], actions: [.selfservice])]
        _ = try await fx.runtime.admin.applyRecoveryConfig(tenantName: "demo", file.recovery, caller: fx.caller)
    }

    /// Wrong answers to every question the document asks.
    static func wrongAnswers(_ flow: [String: Any]) -> [String: String] {
        var fields: [String: String] = [:]
        for name in ((flow["fields"] as? [[String: Any]]) ?? []).compactMap({ $0["name"] as? String }) where name.hasPrefix("answer.") {
            fields[name] = "not it"
        }
        return fields
    }

    @Test("one flow gets perFlowPerMinute answer submissions a minute; the next is 429 with Retry-After and is not charged")
    func perFlow() async throws {
        try await Fixture.with(configure: {
            $0.budget.free = 100
            $0.questionLimits.perFlowPerMinute = 3
        }) { fx in
            try await fx.seedRecovery()
            try await Self.questionsOnly(fx)
            try await fx.app().test(.router) { client in
                var flow = try await client.startFlow("alice")
                #expect(state(flow) == "answer_questions")
                for _ in 0..<3 {
                    flow = try await client.step(flow, Self.wrongAnswers(flow))
                    #expect(messageIDs(flow) == ["error.answers_wrong"])
                }
                let refused = try await client.submit(flow, Self.wrongAnswers(flow))
                #expect(refused.status == .tooManyRequests)
                #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
                #expect(String(buffer: refused.body).contains("rate_limited"))
                // Another flow of the same user still has its own share.
                let other = try await client.startFlow("alice")
                _ = try await client.step(other, Self.wrongAnswers(other))
            }
            // 3 + 1 wrong answers were checked; the refused one was not charged.
            let budget = try await fx.runtime.admin.guessBudgets(tenantName: "demo", username: "alice", caller: fx.caller)
            #expect(budget.first?.failures == 4)
        }
    }

    @Test("one address gets perAddressPerMinute answer submissions a minute across flows and usernames, decoys included")
    func perAddress() async throws {
        try await Fixture.with(configure: {
            $0.budget.free = 100
            $0.questionLimits.perAddressPerMinute = 4
        }) { fx in
            try await fx.seedRecovery()
            try await Self.questionsOnly(fx)
            try await fx.app().test(.router) { client in
                var statuses: [Int] = []
                for username in ["alice", "mallory", "trent", "victor", "walter", "zoe"] {
                    let flow = try await client.startFlow(username)
                    statuses.append(Int(try await client.submit(flow, Self.wrongAnswers(flow)).status.code))
                }
                #expect(statuses == [200, 200, 200, 200, 429, 429])
            }
            let unknown = try await fx.runtime.admin.guessBudgets(tenantName: "demo", username: "walter", caller: fx.caller)
            #expect((unknown.first?.failures ?? 0) == 0)
        }
    }
}
