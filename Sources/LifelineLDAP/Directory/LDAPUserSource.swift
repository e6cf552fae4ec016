import LifelineCore

/// A tenant's users in its LDAP directory (``DirectoryUserSource``): searches on the service connection of the
/// tenant's ``LDAPDirectory``, which the operator defined (`directories.<name>`): no other host is ever asked.
///
/// The lookup uses the tenant's `user_filter` with the username escaped (as a reset does, so a lookup finds exactly
/// the account a reset would change); a sync uses `directory.users.filter`, by default that filter with
/// `{username}` replaced by `*` (all the accounts a lookup could find).
public struct LDAPUserSource: DirectoryUserSource, DirectoryUserSourceDescribing {
    let directory: LDAPDirectory
    /// The attribute names read, defaults filled in.
    public let attributes: DirectoryAttributeMapping.ResolvedAttributes
    /// The sync filter as a template (without `{username}`).
    let listFilter: String?
    public var flavor: LDAPSettings.Flavor { directory.flavor }

    /// Users of `directory` with `users`' mapping; `settings` are the ones the directory was made with.
    public init(directory: LDAPDirectory, settings: LDAPSettings, users: DirectoryUserSettings) {
        self.directory = directory
        attributes = users.attributes.resolved(for: settings.flavor)
        listFilter = users.filter
    }

    /// The sync filter's problem (not RFC 4515), nil when it parses. Connects nowhere.
    public static func filterProblem(_ filter: String) -> String? {
        do { _ = try LDAPFilter.parse(filter) } catch { return "is not an RFC 4515 filter: \(error)" }
        return nil
    }

    public func user(username: String) async throws -> DirectoryUserRecord? {
        let configuration = try directory.validConfiguration()
        guard !username.isEmpty else { return nil }
        let settings = configuration.settings
        let filter: LDAPFilter
        do { filter = try LDAPFilter.userFilter(template: settings.userFilter, username: username) } catch {
            throw DirectoryUnavailable("LDAP user_filter: \(error)")
        }
        // Why sizeLimit 2: one entry is the answer, a second one is enough to know the filter is ambiguous.
        let request = LDAPSearchRequest(baseDN: settings.baseDN, scope: .wholeSubtree, sizeLimit: 2, timeLimit: settings.timeout,
                                        filter: filter, attributes: attributes.all)
        let search = try await directory.perform(idempotent: true) { connection throws(LDAPError) in try await connection.search(request) }
        guard search.result.isSuccess || search.result.resultCode == .sizeLimitExceeded else {
            throw DirectoryUnavailable("LDAP search failed: \(search.result)")
        }
        // Why refuse rather than pick one: a user made from the wrong entry would get someone else's contacts.
        guard search.entries.count <= 1, search.result.resultCode != .sizeLimitExceeded else {
            throw DirectoryUnavailable("LDAP user search is ambiguous: more than one entry matches user_filter")
        }
        return search.entries.first.map(record)
    }

    public func users(pageSize: Int, _ page: ([DirectoryUserRecord]) async throws -> Void) async throws {
        let configuration = try directory.validConfiguration()
        let settings = configuration.settings
        let filter: LDAPFilter
        do {
            filter = try LDAPFilter.parse(listFilter ?? Self.defaultListFilter(settings))
        } catch {
            throw DirectoryUnavailable("LDAP sync filter: \(error)")
        }
        var cookie: [UInt8] = []
        var pages = 0
        repeat {
            let request = LDAPSearchRequest(baseDN: settings.baseDN, scope: .wholeSubtree, sizeLimit: 0, timeLimit: settings.timeout,
                                            filter: filter, attributes: attributes.all)
            let control = PagedResults.request(size: pageSize, cookie: cookie)
            // Why only the first page may be repeated on a new connection: a cookie belongs to its connection.
            let search = try await directory.perform(idempotent: cookie.isEmpty) { connection throws(LDAPError) in
                try await connection.search(request, controls: [control])
            }
            // Why refuse a partial answer (size or time limit, an error): a sync disables the users it does not see.
            guard search.result.isSuccess else { throw DirectoryUnavailable("LDAP sync search failed: \(search.result)") }
            try await page(search.entries.map(record))
            let next: [UInt8]?
            do { next = try PagedResults.cookie(in: search.controls) } catch { throw DirectoryUnavailable("LDAP \(error)") }
            cookie = next ?? []
            pages += 1
            // Why a bound: a server that never ends the cookie chain must not keep a sync running forever
            // (100 000 pages of `pageSize` entries is far beyond any directory).
            if pages >= 100_000 { throw DirectoryUnavailable("LDAP sync search did not end after \(pages) pages") }
        } while !cookie.isEmpty
    }

    /// The sync filter when the tenant names none: `user_filter` with `{username}` → `*` (the equality on the
    /// username becomes a presence or substring test). On Active Directory also `(objectCategory=person)`: computer
    /// accounts are `objectClass=user` too and have a `sAMAccountName`, and must not become users.
    static func defaultListFilter(_ settings: LDAPSettings) -> String {
        let derived = settings.userFilter.split(separator: "{username}", omittingEmptySubsequences: false).joined(separator: "*")
        return settings.flavor == .activeDirectory ? "(&(objectCategory=person)\(derived))" : derived
    }

    /// The first value of each mapped attribute, as UTF-8 text.
    func record(_ entry: LDAPEntry) -> DirectoryUserRecord {
        func first(_ name: String) -> String? { entry.values(name).first.flatMap { String(validating: $0, as: UTF8.self) } }
        return DirectoryUserRecord(reference: entry.dn, username: first(attributes.username), displayName: first(attributes.displayName),
                                   mail: first(attributes.mail), mobile: first(attributes.mobile), language: first(attributes.language))
    }
}
