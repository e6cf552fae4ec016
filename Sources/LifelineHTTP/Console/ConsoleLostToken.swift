import Foundation
import Hummingbird
import LifelineCore

/// The helpdesk page's "Mark as lost" (docs/lost-token.md): marks one of the user's tokens lost and shows its temporary
/// code once. Why re-authentication first: the code is a credential; a session left open must not mint one.
enum ConsoleLostToken {
    /// Marks the token named by the form (`token_id`, one of `username`'s tokens) lost; the result page, or a
    /// re-authentication page first.
    static func post(_ context: ConsoleRequestContext, env: ConsoleEnvironment, tenant: String, username: String, back: String) async throws -> Response {
        if let r = ConsoleReauth.required(context, env: env, next: back) { return r }
        let admin = env.deps.admin
        // Only a token of this user: the page names the user, so it must not act on another user's token.
        guard let id = context.form["token_id"].flatMap(UUID.init(uuidString:)),
              try await admin.listTokens(tenantName: tenant, username: username, caller: context.principal).1.contains(where: { $0.id == id }) else {
            throw LifelineError(.notFound, "this user has no such token")
        }
        let issued = try await admin.markTokenLost(tenantName: tenant, tokenID: id, caller: context.principal)
        let lang = context.language
        var response = env.renderer.page("console_lost_token", title: env.renderer.text("lost_title", lang), context: context, data: [
            "back": back, "code": issued.code, "with_pin": issued.withPIN, "expires": ConsoleFormat.time(issued.expiresAt, lang),
        ])
        // Why no-store: the code is shown once; no cache or Back button must bring it back.
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// "lost until …" per token id for the user's live records (empty when the caller may not read tokens).
    static func states(_ context: ConsoleRequestContext, env: ConsoleEnvironment, userID: UUID) async -> [UUID: String] {
        guard let live = try? await env.deps.admin.liveLostTokens(userID: userID, caller: context.principal) else { return [:] }
        return live.mapValues { ConsoleFormat.time($0.expiresAt, context.language) }
    }
}
