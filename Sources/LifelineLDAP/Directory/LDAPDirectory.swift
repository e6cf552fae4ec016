import LifelineCore
import Logging

/// A tenant's LDAP directory: OpenLDAP (with the ppolicy overlay) or Active Directory.
///
/// Users are found by a subtree search under `base_dn` with `user_filter`; the service account (`bind_dn`) does
/// every operation on one kept, bound connection, opened on first use and replaced when the server closes it.
/// Passwords are never logged and never sent in clear text to another machine (see ``LDAPDirectoryConfiguration``).
/// Call ``shutdown()`` when done.
public final class LDAPDirectory: Directory {
    private let configuration: Result<LDAPDirectoryConfiguration, LDAPError>
    private let session: LDAPServiceConnection?
    private let logger: Logger

    /// A directory for `settings`. Nothing is connected yet; an invalid configuration is reported by ``validate(_:)``
    /// and by every operation (as ``DirectoryUnavailable``). The service account's password is read through
    /// `secrets` each time a connection is bound (the composition root reads the environment or file).
    public init(settings: LDAPSettings, secrets: any SecretReader, logger: Logger) {
        var logger = logger
        logger[metadataKey: "ldap.url"] = "\(settings.url)"
        self.logger = logger
        do throws(LDAPError) {
            let configuration = try LDAPDirectoryConfiguration(settings)
            self.configuration = .success(configuration)
            session = LDAPServiceConnection(configuration: configuration, secrets: secrets, logger: logger)
        } catch {
            configuration = .failure(error)
            session = nil
            logger.error("LDAP directory configuration is invalid", metadata: ["error": "\(error)"])
        }
    }

    /// Checks `settings` without connecting (URL, TLS files, filter syntax, the encryption rules); throws
    /// ``DirectoryUnavailable`` describing the first problem.
    public static func validate(_ settings: LDAPSettings) throws {
        do { _ = try LDAPDirectoryConfiguration(settings) } catch { throw DirectoryUnavailable("LDAP \(error)") }
    }

    /// Why `template` cannot be a user filter (an RFC 4515 filter containing `{username}`); nil when it can.
    /// Connects nowhere and reads nothing.
    public static func userFilterProblem(_ template: String) -> String? {
        // Why: a filter without the placeholder finds the same entry for every username.
        guard template.contains("{username}") else { return "must contain {username}" }
        do { _ = try LDAPFilter.userFilter(template: template, username: "x") } catch { return "is not an RFC 4515 filter: \(error)" }
        return nil
    }

    /// Unbinds and closes the service connection. Operations afterwards throw ``DirectoryUnavailable``.
    public func shutdown() async {
        await session?.shutdown()
    }

    /// The kind of server (the connection's flavor); OpenLDAP when the configuration is invalid.
    public var flavor: LDAPSettings.Flavor { (try? configuration.get().settings.flavor) ?? .openldap }

    /// Connections opened so far (one while it stays open; tests check the reuse).
    var connectionsOpened: Int {
        get async { await session?.opened ?? 0 }
    }

    // MARK: - Directory

    /// The one entry that `user_filter` finds for `username` under `base_dn` (its DN and lockout state), nil when
    /// there is none; ``DirectoryUnavailable`` when there are several or the directory cannot be asked.
    public func account(username: String) async throws -> DirectoryAccount? {
        let configuration = try validConfiguration()
        guard !username.isEmpty else { return nil }
        let settings = configuration.settings
        let filter: LDAPFilter
        do { filter = try LDAPFilter.userFilter(template: settings.userFilter, username: username) } catch {
            throw DirectoryUnavailable("LDAP user_filter: \(error)")
        }
        // Why sizeLimit 2: one entry is the answer, a second one is enough to know the filter is ambiguous.
        // The lockout attributes are operational: they are returned only when asked for by name.
        let request = LDAPSearchRequest(baseDN: settings.baseDN, scope: .wholeSubtree, sizeLimit: 2, timeLimit: settings.timeout,
                                        filter: filter, attributes: settings.flavor == .openldap ? ["pwdAccountLockedTime"] : ["lockoutTime"])
        let search = try await perform(idempotent: true) { connection throws(LDAPError) in try await connection.search(request) }
        guard search.result.isSuccess || search.result.resultCode == .sizeLimitExceeded else {
            logger.warning("LDAP user search failed", metadata: ["ldap.result": "\(search.result)"])
            throw DirectoryUnavailable("LDAP search failed: \(search.result)")
        }
        // Why refuse rather than pick one: acting on the wrong person's account is worse than not acting.
        guard search.entries.count <= 1, search.result.resultCode != .sizeLimitExceeded else {
            logger.error("LDAP user_filter matches more than one entry", metadata: ["ldap.matches": "\(search.entries.count)"])
            throw DirectoryUnavailable("LDAP user search is ambiguous: more than one entry matches user_filter")
        }
        guard let entry = search.entries.first else { return nil }
        return DirectoryAccount(reference: entry.dn, locked: Self.isLocked(entry, flavor: settings.flavor))
    }

    /// Sets the password of the account (OpenLDAP: Password Modify with the ppolicy control; AD: `unicodePwd`).
    /// A policy refusal throws ``DirectoryRefusal`` naming the rule where the directory names it.
    public func resetPassword(_ account: DirectoryAccount, newPassword: String) async throws {
        let configuration = try validConfiguration()
        // Why: an empty newPasswd asks an OpenLDAP server to generate a password, and an empty password enables
        // unauthenticated binds (RFC 4513 §5.1.2) on servers that allow them.
        guard !newPassword.isEmpty else { throw DirectoryRefusal.passwordTooShort }
        let dn = account.reference
        let endpoint = configuration.endpoint
        switch configuration.settings.flavor {
        case .openldap:
            let value = PasswordModify.requestValue(userIdentity: dn, newPassword: newPassword)
            let response = try await perform(idempotent: false) { connection throws(LDAPError) in
                try Self.requirePrivate(connection, endpoint)
                return try await connection.extended(name: PasswordModify.oid, value: value, controls: [.passwordPolicyRequest])
            }
            guard let result = response.operation.result, !result.isSuccess else {
                logger.info("LDAP password reset", metadata: ["ldap.dn": "\(dn)"])
                return
            }
            logger.notice("LDAP password reset refused", metadata: [
                "ldap.dn": "\(dn)", "ldap.result": "\(result)", "ldap.ppolicy": "\(PasswordModify.policyError(in: response.controls).map(String.init) ?? "-")"])
            throw PasswordModify.failure(result, controls: response.controls)
        case .activeDirectory:
            let (result, _) = try await perform(idempotent: false) { connection throws(LDAPError) in
                // Why check the connection itself as well as the configuration: AD must never get unicodePwd in clear.
                guard connection.isEncrypted else { throw LDAPError.configuration("Active Directory password reset needs TLS") }
                return try await connection.modify(dn: dn, changes: [ActiveDirectoryPassword.resetModification(newPassword)])
            }
            guard result.isSuccess else {
                logger.notice("LDAP password reset refused", metadata: ["ldap.dn": "\(dn)", "ldap.result": "\(result)"])
                throw ActiveDirectoryPassword.failure(result)
            }
            logger.info("LDAP password reset", metadata: ["ldap.dn": "\(dn)"])
        }
    }

    /// Clears the lockout (OpenLDAP: `pwdAccountLockedTime` and `pwdFailureTime`; AD: `lockoutTime = 0`). Unlocking
    /// an account that is not locked succeeds.
    public func unlock(_ account: DirectoryAccount) async throws {
        let configuration = try validConfiguration()
        let dn = account.reference
        var result: LDAPResult
        switch configuration.settings.flavor {
        case .openldap:
            // Replace with no values removes an attribute and is no error when it is absent, so unlocking an
            // unlocked account succeeds. pwdFailureTime is NO-USER-MODIFICATION: removing it needs the Relax Rules
            // control and `manage` access; without it the old failures stay and the next wrong password may lock
            // the account again, so it is cleared when allowed.
            let both = [LDAPModification(operation: .replace, attribute: "pwdAccountLockedTime", values: []),
                        LDAPModification(operation: .replace, attribute: "pwdFailureTime", values: [])]
            (result, _) = try await perform(idempotent: true) { connection throws(LDAPError) in
                try await connection.modify(dn: dn, changes: both, controls: [.relaxRules])
            }
            let fallbackCodes: Set<LDAPResultCode> = [.insufficientAccessRights, .constraintViolation, .unavailableCriticalExtension, .unwillingToPerform]
            if fallbackCodes.contains(result.resultCode) {
                logger.warning("LDAP unlock could not clear pwdFailureTime (the service account needs manage access and the Relax Rules control); clearing pwdAccountLockedTime only",
                               metadata: ["ldap.dn": "\(dn)", "ldap.result": "\(result)"])
                (result, _) = try await perform(idempotent: true) { connection throws(LDAPError) in
                    try await connection.modify(dn: dn, changes: [both[0]])
                }
            }
        case .activeDirectory:
            (result, _) = try await perform(idempotent: true) { connection throws(LDAPError) in
                try await connection.modify(dn: dn, changes: [ActiveDirectoryPassword.unlockModification])
            }
        }
        guard result.isSuccess else {
            logger.notice("LDAP unlock refused", metadata: ["ldap.dn": "\(dn)", "ldap.result": "\(result)"])
            throw Self.failure(result)
        }
        logger.info("LDAP account unlocked", metadata: ["ldap.dn": "\(dn)"])
    }

    // MARK: - Helpers

    /// OpenLDAP: ppolicy's `pwdAccountLockedTime` is present. AD: `lockoutTime` is a positive FILETIME.
    /// (Both stay set after a timed lockout expires until the next login; the account then reports locked, and
    /// unlocking it is harmless.)
    static func isLocked(_ entry: LDAPEntry, flavor: LDAPSettings.Flavor) -> Bool {
        switch flavor {
        case .openldap:
            return !entry.values("pwdAccountLockedTime").isEmpty
        case .activeDirectory:
            return entry.values("lockoutTime").contains { Int64(String(decoding: $0, as: UTF8.self)) ?? 0 > 0 }
        }
    }

    /// A failure that names no password rule: the server refused (access rights, unwilling to perform…), or it
    /// could not work (busy, unavailable, internal error), in which case nothing is known to have changed.
    static func failure(_ result: LDAPResult) -> any Error {
        let outage: Set<LDAPResultCode> = [.operationsError, .protocolError, .timeLimitExceeded, .busy, .unavailable, .other]
        if outage.contains(result.resultCode) { return DirectoryUnavailable("LDAP server: \(result)") }
        return DirectoryRefusal.refused
    }

    /// Why: a new password goes only over TLS, or to a loopback address where it never leaves the machine.
    private static func requirePrivate(_ connection: LDAPConnection, _ endpoint: LDAPEndpoint) throws(LDAPError) {
        guard connection.isEncrypted || endpoint.isLoopback else {
            throw .configuration("refusing to send a password in clear text to \(endpoint.host)")
        }
    }

    func validConfiguration() throws -> LDAPDirectoryConfiguration {
        switch configuration {
        case .success(let c): return c
        case .failure(let error): throw DirectoryUnavailable("LDAP \(error)")
        }
    }

    /// Runs `body` on the service connection. After a transport failure the connection is dropped; the operation
    /// is repeated once on a new connection when that is safe: the request never reached the server, or repeating
    /// it changes nothing (a search, an unlock). A password reset is not repeated: the first may have taken effect,
    /// and a repeat would then fail as "password in history".
    func perform<T: Sendable>(idempotent: Bool, _ body: (LDAPConnection) async throws(LDAPError) -> T) async throws -> T {
        guard let session else { throw DirectoryUnavailable("LDAP directory is not configured") }
        var attempt = 0
        while true {
            attempt += 1
            let connection: LDAPConnection
            do { connection = try await session.connection() } catch {
                logger.warning("LDAP connection failed", metadata: ["error": "\(error)"])
                throw DirectoryUnavailable("LDAP \(error)")
            }
            do {
                return try await body(connection)
            } catch {
                if case .configuration = error { throw DirectoryUnavailable("LDAP \(error)") }
                await session.discard(connection)
                let retry: Bool
                switch error {
                case .notSent: retry = true
                case .connectionClosed, .tls: retry = idempotent
                default: retry = false
                }
                guard retry, attempt == 1 else {
                    logger.warning("LDAP operation failed", metadata: ["error": "\(error)"])
                    throw DirectoryUnavailable("LDAP \(error)")
                }
                logger.debug("LDAP connection lost; retrying on a new one", metadata: ["error": "\(error)"])
            }
        }
    }
}
