import Foundation

/// The notices sent to a user's verified contacts when a set of recovery codes is issued or a code is used. Why: a
/// code is a way into the account, so its owner must hear of every new set and every use — a takeover must not go
/// unnoticed. The texts are the core's (``MessageCatalog``), in the user's language.
struct RecoveryCodeNotices: Sendable {
    let storage: any RecoveryCodeService.Storage
    let vault: any KeyVault

    /// Notices that a set of `count` codes was issued.
    func issued(user: User, tenant: Tenant, count: Int, now: Date) async throws -> [OutboxMessage] {
        try await messages(user: user, tenant: tenant, now: now, kind: "issued", args: ["count": String(count)], count: count)
    }

    /// Notices that a code was used and `remaining` are left. Nothing for an unknown tenant (never the case on accept).
    func used(user: User, tenant: Tenant?, remaining: Int, now: Date) async throws -> [OutboxMessage] {
        guard let tenant else { return [] }
        return try await messages(user: user, tenant: tenant, now: now, kind: "used", args: ["remaining": String(remaining)], count: remaining)
    }

    private func messages(user: User, tenant: Tenant, now: Date, kind: String, args extra: [String: String],
                          count: Int) async throws -> [OutboxMessage] {
        let catalog = MessageCatalog.catalog
        // The user's language as a catalog language (`nb-NO` → `nb`, `no` → `nb`, unknown → `en`).
        let lang = catalog.resolve(user.language)
        // The time in the organization's zone and the user's language (never a raw ISO timestamp).
        let config = try await storage.recoveryConfig(tenantID: tenant.id)
        var args = ["tenant": tenant.displayName, "time": TimeText.format(now, config: config, language: lang)]
        args.merge(extra) { $1 }
        var out: [OutboxMessage] = []
        for contact in try await storage.contacts(userID: user.id) where contact.verified {
            let channel: MessageChannel = contact.kind == .phone ? .sms : .email
            let subject = channel == .sms ? "" : catalog.text("message.recovery_codes_\(kind)_subject", lang, args)
            // The count picks the plural form ("1 code remains", "2 kódy zbývají").
            let text = catalog.plural("message.recovery_codes_\(kind)_\(channel == .sms ? "sms" : "body")", lang, count: count, args)
            // The id from Foundation's UUID (the system CSPRNG): a message id is no secret, it only has to be unique.
            var m = OutboxMessage(id: UUID(), tenant: tenant.name, channel: channel, recipient: contact.value, subject: subject, body: nil,
                                  nextAttemptAt: now, createdAt: now)
            m.body = try await vault.seal(Array(text.utf8), context: m.sealContext)
            out.append(m)
        }
        return out
    }
}
