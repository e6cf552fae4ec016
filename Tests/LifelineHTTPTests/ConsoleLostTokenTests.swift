import Foundation
import HummingbirdTesting
import LifelineCore
import Testing

/// The console's "Mark as lost" on the helpdesk page (docs/lost-token.md): re-authentication first, the code shown once
/// with no-store, the token's state "lost until …", and validate accepting the code.
@Suite("Console: lost token")
struct ConsoleLostTokenTests {
    static let page = "/console/users/acme/alice/helpdesk"

    @Test("mark as lost asks for re-authentication, shows the code once, and the page shows the token as lost")
    func markAsLost() async throws {
        try await Fixture.with { fx in
            let token = try await fx.seedAlice()
            let help = try await fx.consoleOperator("help", role: .helpdesk)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(help, fx: fx)
                let page = try await b.get(Self.page)
                #expect(html(page).contains("data-do=\"token_lost\"") && html(page).contains(t("console.lost_action")))
                let form = ["do": "token_lost", "token_id": token.uuidString.lowercased()]
                let first = try await b.submit(page, action: Self.page, form)
                #expect(first.status == .seeOther && first.headers[.location]?.hasPrefix("/console/reauth?next=") == true)
                _ = try await b.submit(try await b.get(first.headers[.location]!), action: "/console/reauth", ["code": fx.freshCode(help)])
                let shown = try await b.submit(try await b.get(Self.page), action: Self.page, form)
                #expect(shown.status == .ok && shown.headers[.cacheControl] == "no-store")
                let code = String(try #require(html(shown).firstMatch(of: /<code>([2-9A-Z]{12})<\/code>/)).1)
                #expect(try await client.validate(code, key: fx.validateKey) == "accept")
                let after = html(try await b.get(Self.page))
                #expect(after.contains("class=\"token-lost\"") && !after.contains(code))
                #expect(!after.contains("data-do=\"token_lost\""), "a disabled token cannot be marked again")
                // Another user's token id is refused (404 page), not marked.
                let other = try await b.submit(try await b.get(Self.page), action: Self.page, ["do": "token_lost", "token_id": UUID().uuidString])
                #expect(other.status == .notFound)
            }
        }
    }
}
