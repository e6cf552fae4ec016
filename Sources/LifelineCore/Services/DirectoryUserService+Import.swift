import Foundation

/// What an import did: the counts, and each refused line with its reason.
public struct UserImportSummary: Sendable, Equatable {
    public var created = 0
    public var updated = 0
    public var unchanged = 0
    public var refused: [(line: Int, reason: String)] = []

    public init() {}

    public static func == (a: Self, b: Self) -> Bool {
        a.created == b.created && a.updated == b.updated && a.unchanged == b.unchanged
            && a.refused.map(\.line) == b.refused.map(\.line) && a.refused.map(\.reason) == b.refused.map(\.reason)
    }
}

extension DirectoryUserService {
    /// The columns an import file may name in its header line, in any order.
    public static let importColumns = ["username", "display_name", "email", "phone", "language"]

    /// Imports users from CSV (`users.write`): a header line naming its columns among ``importColumns`` (`username`
    /// required), then one user a line. A user that does not exist is created with the row's contacts (verified, as
    /// `lifeline user create` makes them); an existing one gets the row's display name and language, and the row's
    /// email and phone when it does not have them yet. Each row is all or nothing; a refused row is reported with its
    /// line number and the import goes on. The header itself (an unknown or repeated column, no `username`) refuses
    /// the whole file before anything is written.
    public func importUsers(tenantName: String, csv: String, caller: Caller, progress: DirectoryProgress = { _, _, _ in }) async throws -> UserImportSummary {
        try authorizer.require(.usersWrite, caller)
        let tenant = try await admin.tenant(tenantName, caller: caller)
        let table = try CSVTable(csv)
        guard let header = table.records.first else { throw LifelineError(.invalidRequest, "the file is empty: it needs a header line naming its columns") }
        var column: [String: Int] = [:]
        for (i, raw) in header.fields.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespaces)
            guard Self.importColumns.contains(name) else {
                throw LifelineError(.invalidRequest, "unknown column '\(name)' in the header (columns: \(Self.importColumns.joined(separator: ", ")))")
            }
            guard column[name] == nil else { throw LifelineError(.invalidRequest, "column '\(name)' appears twice in the header") }
            column[name] = i
        }
        guard column["username"] != nil else { throw LifelineError(.invalidRequest, "the header has no 'username' column") }
        var summary = UserImportSummary()
        let rows = table.records.dropFirst()
        for (n, row) in rows.enumerated() {
            defer { progress("importing", n + 1, rows.count) }
            guard row.fields.count == header.fields.count else {
                summary.refused.append((row.line, "has \(row.fields.count) fields; the header has \(header.fields.count)"))
                continue
            }
            func value(_ name: String) -> String? {
                guard let i = column[name] else { return nil }
                let v = row.fields[i].trimmingCharacters(in: .whitespaces)
                return v.isEmpty ? nil : v
            }
            do {
                switch try await importRow(tenant: tenant, username: value("username"), displayName: value("display_name"), email: value("email"),
                                           phone: value("phone"), language: value("language"), caller: caller) {
                case .created: summary.created += 1
                case .updated: summary.updated += 1
                case .unchanged: summary.unchanged += 1
                }
            } catch let error as LifelineError {
                summary.refused.append((row.line, error.message))
            } catch let error as DirectoryRefusalReason {
                summary.refused.append((row.line, error.reason))
            }
        }
        try await storage.append(AuditRecord(time: clock.now(), tenant: tenant.name, actor: caller.actor, subject: tenant.name, event: "user.import",
                                             outcome: "success",
                                             reason: "created \(summary.created), updated \(summary.updated), unchanged \(summary.unchanged), refused \(summary.refused.count)",
                                             source: caller.source))
        return summary
    }

    private func importRow(tenant: Tenant, username: String?, displayName: String?, email: String?, phone: String?, language: String?,
                           caller: Caller) async throws -> DirectoryUserOutcome {
        guard let username else { throw DirectoryRefusalReason(reason: "username is empty") }
        let name = try Validation.username(username)
        let display = try displayName.map { d throws(LifelineError) in try Validation.displayName(d) }
        let mail = try email.map { e throws(LifelineError) in try Validation.email(e) }
        let mobile = try phone.map { p throws(LifelineError) in try Validation.phoneE164(p) }
        let lang = try language.map { l throws(LifelineError) in try Validation.language(l) }
        let now = clock.now()
        guard var user = try await storage.user(tenantID: tenant.id, username: name) else {
            let user = User(id: random.uuid(), tenantID: tenant.id, username: name, displayName: display ?? name, status: .active,
                            language: lang ?? "en", createdAt: now)
            let contacts = [(ContactKind.email, mail), (.phone, mobile)].compactMap { kind, value in
                value.map { Contact(id: random.uuid(), userID: user.id, kind: kind, value: $0, verified: true, createdAt: now) }
            }
            try await storage.insertUser(user, contacts: contacts, audit: AuditRecord(time: now, tenant: tenant.name, actor: caller.actor, subject: name,
                                                                                      event: "user.create", outcome: "success", reason: "import", source: caller.source))
            return .created
        }
        var write = DirectoryUserWrite(tenantID: tenant.id)
        var changed = false
        if let display, display != user.displayName { user.displayName = display; changed = true }
        if let lang, lang != user.language { user.language = lang; changed = true }
        if changed { write.user = .update(user) }
        let existing = try await storage.contacts(userID: user.id)
        let audit = AuditRecord(time: now, tenant: tenant.name, actor: caller.actor, subject: user.username, event: "user.update", outcome: "success",
                                reason: "import", source: caller.source)
        var added = false
        for (kind, value) in [(ContactKind.email, mail), (.phone, mobile)] {
            guard let value, !existing.contains(where: { $0.kind == kind && $0.value == value }) else { continue }
            write.work.insertContact(Contact(id: random.uuid(), userID: user.id, kind: kind, value: value, verified: true, createdAt: now))
            added = true
        }
        guard changed || added else { return .unchanged }
        write.work.append(audit)
        // As when an operator adds a contact: the user's usable emergency code ends (EmergencyCodeRules).
        if added { EmergencyCodeRules.revokeCode(in: &write.work, userID: user.id, username: user.username, because: .contactAdded, after: audit) }
        try await storage.applyDirectoryUser(write)
        return .updated
    }
}
