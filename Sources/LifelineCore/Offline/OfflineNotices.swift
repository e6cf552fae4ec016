import Foundation

/// The notices of the offline emergency access tokencodes to the user, in the user's language (English, Czech,
/// Norwegian Bokmål), to every verified contact like the helpdesk's notices (``HelpdeskNotices``). Why the user is told:
/// an operator talked into a reset or into letting the codes work online by an impostor must not change an account
/// without its owner hearing of it. No notice carries a code.
struct OfflineNotices: Sendable {
    let vault: any KeyVault

    static let catalog = Catalog(texts: ["en": en, "cs": cs, "nb": nb])

    /// Notice `kind` (`offline_code_reset`, `offline_code_online`) to each verified contact.
    func notices(_ kind: String, user: User, tenant: Tenant, contacts: [Contact], now: Date) async throws -> [OutboxMessage] {
        let lang = Self.catalog.resolve(user.language)
        let args = ["tenant": tenant.displayName]
        var out: [OutboxMessage] = []
        for contact in contacts where contact.verified {
            let channel: MessageChannel = contact.kind == .phone ? .sms : .email
            let subject = channel == .sms ? "" : Self.catalog.text("offline.\(kind)_subject", lang, args)
            let text = Self.catalog.text("offline.\(kind)_\(channel == .sms ? "sms" : "body")", lang, args)
            // The id from Foundation's UUID (the system CSPRNG): a message id is no secret, it only has to be unique.
            var m = OutboxMessage(id: UUID(), tenant: tenant.name, channel: channel, recipient: contact.value, subject: subject, body: nil,
                                  nextAttemptAt: now, createdAt: now)
            m.body = try await vault.seal(Array(text.utf8), context: m.sealContext)
            out.append(m)
        }
        return out
    }

    static let en: [String: String] = [
        "offline.offline_code_reset_sms": "{tenant}: the helpdesk reset the offline emergency access codes of your token. If you did not ask for this, contact your helpdesk now.",
        "offline.offline_code_reset_subject": "{tenant}: offline emergency access codes reset",
        "offline.offline_code_reset_body": "Hello,\n\nthe helpdesk reset the offline emergency access codes of your token. Your laptop receives the new ones at your next online sign-in.\n\nIf you did not ask for this, contact your helpdesk now.\n\n{tenant}",
        "offline.offline_code_online_sms": "{tenant}: your token's offline emergency access codes now also work online. If you did not ask for this, contact your helpdesk now.",
        "offline.offline_code_online_subject": "{tenant}: offline emergency access codes work online",
        "offline.offline_code_online_body": "Hello,\n\nthe helpdesk let your token's offline emergency access codes be used for online sign-in too.\n\nIf you did not ask for this, contact your helpdesk now.\n\n{tenant}",
    ]

    static let cs: [String: String] = [
        "offline.offline_code_reset_sms": "{tenant}: helpdesk obnovil nouzové offline kódy vašeho tokenu. Pokud jste o to nežádali, ihned kontaktujte helpdesk.",
        "offline.offline_code_reset_subject": "{tenant}: nouzové offline kódy byly obnoveny",
        "offline.offline_code_reset_body": "Dobrý den,\n\nhelpdesk obnovil nouzové offline kódy vašeho tokenu. Váš notebook dostane nové při příštím přihlášení online.\n\nPokud jste o to nežádali, ihned kontaktujte helpdesk.\n\n{tenant}",
        "offline.offline_code_online_sms": "{tenant}: nouzové offline kódy vašeho tokenu nyní platí i online. Pokud jste o to nežádali, ihned kontaktujte helpdesk.",
        "offline.offline_code_online_subject": "{tenant}: nouzové offline kódy platí i online",
        "offline.offline_code_online_body": "Dobrý den,\n\nhelpdesk povolil použití nouzových offline kódů vašeho tokenu i pro přihlášení online.\n\nPokud jste o to nežádali, ihned kontaktujte helpdesk.\n\n{tenant}",
    ]

    static let nb: [String: String] = [
        "offline.offline_code_reset_sms": "{tenant}: brukerstøtten tilbakestilte nødkodene for frakoblet bruk på tokenet ditt. Har du ikke bedt om dette, kontakt brukerstøtten straks.",
        "offline.offline_code_reset_subject": "{tenant}: nødkodene for frakoblet bruk er tilbakestilt",
        "offline.offline_code_reset_body": "Hei,\n\nbrukerstøtten tilbakestilte nødkodene for frakoblet bruk på tokenet ditt. Den bærbare maskinen din får de nye ved neste pålogging på nett.\n\nHar du ikke bedt om dette, kontakt brukerstøtten straks.\n\n{tenant}",
        "offline.offline_code_online_sms": "{tenant}: nødkodene for frakoblet bruk på tokenet ditt virker nå også på nett. Har du ikke bedt om dette, kontakt brukerstøtten straks.",
        "offline.offline_code_online_subject": "{tenant}: nødkodene for frakoblet bruk virker på nett",
        "offline.offline_code_online_body": "Hei,\n\nbrukerstøtten lot nødkodene for frakoblet bruk på tokenet ditt også brukes til pålogging på nett.\n\nHar du ikke bedt om dette, kontakt brukerstøtten straks.\n\n{tenant}",
    ]
}
