import Foundation

/// A directory entry checked with the rules of the admin API, ready to be stored.
public struct MappedDirectoryUser: Sendable, Equatable {
    public var username: String
    public var displayName: String
    /// Normalized (``Validation/email(_:)``); nil when the entry has none.
    public var mail: String?
    /// E.164 (``Validation/phoneE164(_:)``); nil when the entry has none.
    public var mobile: String?
    /// A tag Lifeline accepts (`en`, `en-GB`); nil when the entry has none it can read.
    public var language: String?
}

/// Why an entry (or an imported row) was refused.
public struct DirectoryRefusalReason: Error, Sendable, Equatable {
    public var reason: String
}

/// What storing one user did.
public enum DirectoryUserOutcome: Sendable, Equatable { case created, updated, unchanged }

extension DirectoryUserService {
    /// Checks `record` with ``Validation``: a username is required; a display name, mail or mobile that is there
    /// must be valid (else the whole entry is refused, so nobody gets half a user); the language is read leniently
    /// (`preferredLanguage` is often `en-us` or a list like `en, fr;q=0.8`: the first tag, `xx` or `xx-XX`).
    public static func map(_ record: DirectoryUserRecord) -> Result<MappedDirectoryUser, DirectoryRefusalReason> {
        func present(_ s: String?) -> String? {
            guard let t = s?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
            return t
        }
        do throws(LifelineError) {
            guard let name = present(record.username) else { return .failure(DirectoryRefusalReason(reason: "has no username attribute")) }
            let username = try Validation.username(name)
            let displayName = try Validation.displayName(present(record.displayName) ?? username)
            let mail = try present(record.mail).map { m throws(LifelineError) in try Validation.email(m) }
            let mobile = try present(record.mobile).map { m throws(LifelineError) in try Validation.phoneE164(m) }
            return .success(MappedDirectoryUser(username: username, displayName: displayName, mail: mail, mobile: mobile,
                                                language: present(record.language).flatMap(Self.languageTag)))
        } catch {
            return .failure(DirectoryRefusalReason(reason: error.message))
        }
    }

    /// `en`, `EN-us`, `en_GB`, `nb-NO, en;q=0.5` → `en`, `en-US`, `en-GB`, `nb-NO`; nil for anything else.
    static func languageTag(_ raw: String) -> String? {
        let first = raw.split(whereSeparator: { $0 == "," || $0 == ";" }).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let parts = first.split(whereSeparator: { $0 == "-" || $0 == "_" })
        guard let lang = parts.first, lang.count == 2 else { return nil }
        var tag = lang.lowercased()
        if parts.count == 2, parts[1].count == 2 { tag += "-" + parts[1].uppercased() } else if parts.count != 1 { return nil }
        return try? Validation.language(tag)
    }

    /// The writes that make the local user match `mapped` (``DirectoryUserWrite``), and what they do.
    ///
    /// - A new user is created active, with the mail and mobile as contacts, verified when `contacts_verified`.
    /// - An existing user gets the directory's display name and language; a user disabled because it had left the
    ///   directory (``DirectoryUserLink/departed``) is enabled again, but one an operator disabled stays disabled.
    /// - The directory's contacts are those whose value the link remembers: when the directory's mail or mobile
    ///   changes, the old contact is removed and the new one added. Contacts added by other means stay.
    /// - Adding a contact to an existing user revokes its usable emergency code (``EmergencyCodeRules``), as when
    ///   an operator adds one.
    func plan(_ mapped: MappedDirectoryUser, existing: User?, link: DirectoryUserLink?, contacts: [Contact], tenant: Tenant,
              settings: DirectoryUserSettings, reference: String = "", actor: String, source: String, now: Date) -> (write: DirectoryUserWrite, outcome: DirectoryUserOutcome) {
        var write = DirectoryUserWrite(tenantID: tenant.id)
        let ref = reference.isEmpty ? (link?.reference ?? "") : reference
        guard var user = existing else {
            let user = User(id: random.uuid(), tenantID: tenant.id, username: mapped.username, displayName: mapped.displayName, status: .active,
                            language: mapped.language ?? "en", createdAt: now)
            write.user = .insert(user)
            for (kind, value) in [(ContactKind.email, mapped.mail), (.phone, mapped.mobile)] {
                guard let value else { continue }
                write.work.insertContact(Contact(id: random.uuid(), userID: user.id, kind: kind, value: value, verified: settings.contactsVerified, createdAt: now))
            }
            write.link = DirectoryUserLink(userID: user.id, tenantID: tenant.id, reference: ref, mail: mapped.mail, mobile: mapped.mobile, departed: false, syncedAt: now)
            write.work.append(AuditRecord(time: now, tenant: tenant.name, actor: actor, subject: user.username, event: "user.create", outcome: "success",
                                          reason: "from the directory", source: source))
            return (write, .created)
        }
        var changed = false
        if user.displayName != mapped.displayName { user.displayName = mapped.displayName; changed = true }
        if let language = mapped.language, user.language != language { user.language = language; changed = true }
        if link?.departed == true, user.status == .disabled { user.status = .active; changed = true }
        if changed { write.user = .update(user) }
        var kept = contacts
        var added = false
        for (kind, old, new) in [(ContactKind.email, link?.mail, mapped.mail), (.phone, link?.mobile, mapped.mobile)] where old != new {
            if let old {
                for c in kept where c.kind == kind && c.value == old { write.removeContacts.append(c.id) }
                kept.removeAll { $0.kind == kind && $0.value == old }
            }
            if let new, !kept.contains(where: { $0.kind == kind && $0.value == new }) {
                write.work.insertContact(Contact(id: random.uuid(), userID: user.id, kind: kind, value: new, verified: settings.contactsVerified, createdAt: now))
                added = true
            }
        }
        let contactsChanged = added || !write.removeContacts.isEmpty
        let linkChanged = link == nil || link?.reference != ref || link?.mail != mapped.mail || link?.mobile != mapped.mobile || link?.departed == true
        guard changed || contactsChanged || linkChanged else { return (write, .unchanged) }
        write.link = DirectoryUserLink(userID: user.id, tenantID: tenant.id, reference: ref, mail: mapped.mail, mobile: mapped.mobile, departed: false, syncedAt: now)
        if changed || contactsChanged {
            let audit = AuditRecord(time: now, tenant: tenant.name, actor: actor, subject: user.username, event: "user.update", outcome: "success",
                                    reason: "from the directory", source: source)
            write.work.append(audit)
            if added { EmergencyCodeRules.revokeCode(in: &write.work, userID: user.id, username: user.username, because: .contactAdded, after: audit) }
        }
        return (write, changed || contactsChanged ? .updated : .unchanged)
    }
}
