import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing

/// The code messages a flow queues carry the core's own texts (``MessageCatalog``), in the flow's language; the web
/// catalog of the HTTP layer no longer holds them.
@Suite("Message texts of flows")
struct MessageTextTests {
    @Test func aCzechEmailCodeUsesTheCoresCzechTexts() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var flow = try await client.startFlow("alice", language: "cs")
                flow = try await client.step(flow, ["flow": "email-questions"])
                flow = try await client.step(flow, ["contact": "0", "address": "alice@demo.example"])
                #expect(state(flow) == "enter_code")
                let message = try #require(try await fx.runtime.store.recentMessages(limit: 10).first { $0.recipient == "alice@demo.example" })
                let body = String(decoding: try await fx.runtime.vault.open(try #require(message.body), context: message.sealContext), as: UTF8.self)
                let code = try await fx.sentCode(to: "alice@demo.example")
                let tenant = try #require(message.subject.split(separator: ":").first.map(String.init))
                let args = ["code": code, "tenant": tenant]
                #expect(message.subject == MessageCatalog.catalog.text("message.email_subject", "cs", args))
                #expect(body.hasPrefix("Dobrý den,") && body.contains(code) && body.hasSuffix(tenant))
                #expect(!body.contains("{"), "every placeholder is filled: \(body)")
            }
        }
    }
}
