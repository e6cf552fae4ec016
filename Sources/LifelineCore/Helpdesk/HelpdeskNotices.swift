import Foundation

/// Composes the helpdesk's outbox messages in the user's language: the notice of an action (to every verified contact)
/// and the messages that carry a code (to the one contact the operator chose). Why every action is notified: an
/// operator who was talked into a change by an impostor must not change an account without its owner hearing of it.
struct HelpdeskNotices: Sendable {
    let vault: any KeyVault

    /// The notice that the helpdesk did `action`, to each of `contacts` that is verified.
    func actionNotices(_ action: HelpdeskAction, user: User, tenant: Tenant, contacts: [Contact], now: Date) async throws -> [OutboxMessage] {
        let catalog = HelpdeskMessages.catalog
        let lang = catalog.resolve(user.language)
        let args = ["tenant": tenant.displayName, "action": catalog.text("helpdesk.action.\(action.rawValue)", lang)]
        var out: [OutboxMessage] = []
        for contact in contacts where contact.verified {
            out.append(try await message(to: contact, tenant: tenant, kind: "notice", lang: lang, args: args, now: now))
        }
        return out
    }

    /// The Authenticator's notice `kind` (`authenticator_replaced`: a new app replaced the user's previous one at the
    /// organization) to each of `contacts` that is verified. Why the user is told: an app activated by someone else
    /// (a stolen activation) shows itself to the owner, whose own app stops giving codes at the same moment.
    /// `args`: the message's other placeholders (`token_lost`: `token`, `until`).
    func authenticatorNotices(_ kind: String, user: User, tenant: Tenant, contacts: [Contact], now: Date,
                              args: [String: String] = [:]) async throws -> [OutboxMessage] {
        let lang = HelpdeskMessages.catalog.resolve(user.language)
        var args = args
        args["tenant"] = tenant.displayName
        var out: [OutboxMessage] = []
        for contact in contacts where contact.verified {
            out.append(try await message(to: contact, tenant: tenant, kind: kind, lang: lang, args: args, now: now))
        }
        return out
    }

    /// A message of `kind` (`caller_code`, `code`) with `args` to `contact`, in the user's language.
    func codeMessage(_ kind: String, to contact: Contact, user: User, tenant: Tenant, args: [String: String], now: Date) async throws -> OutboxMessage {
        let lang = HelpdeskMessages.catalog.resolve(user.language)
        var args = args
        args["tenant"] = tenant.displayName
        return try await message(to: contact, tenant: tenant, kind: kind, lang: lang, args: args, now: now)
    }

    private func message(to contact: Contact, tenant: Tenant, kind: String, lang: String, args: [String: String], now: Date) async throws -> OutboxMessage {
        let catalog = HelpdeskMessages.catalog
        let channel: MessageChannel = contact.kind == .phone ? .sms : .email
        let subject = channel == .sms ? "" : catalog.text("helpdesk.\(kind)_subject", lang, args)
        let text = catalog.text("helpdesk.\(kind)_\(channel == .sms ? "sms" : "body")", lang, args)
        // The id from Foundation's UUID (the system CSPRNG): a message id is no secret, it only has to be unique.
        var m = OutboxMessage(id: UUID(), tenant: tenant.name, channel: channel, recipient: contact.value, subject: subject, body: nil,
                              nextAttemptAt: now, createdAt: now)
        // Sealed like every outbox body: a code in the database is readable only with the key file.
        m.body = try await vault.seal(Array(text.utf8), context: m.sealContext)
        return m
    }
}
