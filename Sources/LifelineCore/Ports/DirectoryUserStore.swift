import Foundation

/// That a local user came from the tenant's directory, and what the directory last said.
public struct DirectoryUserLink: Sendable, Equatable {
    public var userID: UUID
    public var tenantID: UUID
    /// The directory's name for the entry (LDAP DN).
    public var reference: String
    /// The mail and mobile the directory gave at the last sync or lookup (normalized): the user's contacts with these
    /// values are the directory's, replaced when the directory's values change.
    public var mail: String?
    public var mobile: String?
    /// The user was disabled because a sync no longer found it. Why a flag of its own: a user who comes back is
    /// enabled again, but a user an operator disabled stays disabled.
    public var departed: Bool
    public var syncedAt: Date

    public init(userID: UUID, tenantID: UUID, reference: String, mail: String?, mobile: String?, departed: Bool, syncedAt: Date) {
        self.userID = userID; self.tenantID = tenantID; self.reference = reference; self.mail = mail; self.mobile = mobile
        self.departed = departed; self.syncedAt = syncedAt
    }
}

/// The writes of one user from the directory (or one imported row), executed by
/// ``DirectoryUserStore/applyDirectoryUser(_:)`` in one transaction, in this order: the user, the contacts removed,
/// the link, the lookup time, then `work` (contacts added, audit records, their consequences).
public struct DirectoryUserWrite: Sendable {
    public enum UserChange: Sendable {
        /// A new user (``LifelineError/Code/conflict`` when the username is taken, writing nothing).
        case insert(User)
        /// Display name, language and status of an existing user (``LifelineError/Code/notFound`` when it is gone).
        case update(User)
        case none
    }
    public var tenantID: UUID
    public var user: UserChange = .none
    /// Contacts of the user to delete (by id; an id that no longer exists is no error).
    public var removeContacts: [UUID] = []
    /// Inserted or replaced (by user id).
    public var link: DirectoryUserLink?
    /// Records that `usernameKey` was looked up at this time (``DirectoryUserStore/directoryLookupTime(tenantID:usernameKey:)``).
    public var lookedUp: (usernameKey: String, at: Date)?
    /// The rest of the change, in the same transaction.
    public var work = UnitOfWork()

    public init(tenantID: UUID) { self.tenantID = tenantID }
}

/// One run of a directory sync, as shown by the status read.
public struct DirectorySyncRun: Sendable, Equatable {
    public var id: UUID
    public var tenantID: UUID
    /// `cli`, `api`, `console` or `schedule`.
    public var trigger: String
    /// The audit actor that started it.
    public var actor: String
    public var startedAt: Date
    public var finishedAt: Date
    public var summary: DirectorySyncSummary
    /// Why the run stopped early (the directory could not be listed); nil when it completed. Users are disabled only
    /// by a completed run.
    public var error: String?

    public init(id: UUID, tenantID: UUID, trigger: String, actor: String, startedAt: Date, finishedAt: Date, summary: DirectorySyncSummary, error: String?) {
        self.id = id; self.tenantID = tenantID; self.trigger = trigger; self.actor = actor; self.startedAt = startedAt
        self.finishedAt = finishedAt; self.summary = summary; self.error = error
    }
}

/// The counts of a sync.
public struct DirectorySyncSummary: Sendable, Equatable {
    public var created = 0
    public var updated = 0
    public var disabled = 0
    public var unchanged = 0
    public var refused = 0
    public init() {}
    public init(created: Int, updated: Int, disabled: Int, unchanged: Int, refused: Int) {
        self.created = created; self.updated = updated; self.disabled = disabled; self.unchanged = unchanged; self.refused = refused
    }
}

/// Users from the tenant's directory, and the directory syncs.
///
/// Contract: ``applyDirectoryUser(_:)`` is all or nothing (one transaction, the audit records of its `work` with
/// it). Links are deleted with their user. Reads of a missing thing answer nil or an empty list.
public protocol DirectoryUserStore: Sendable {
    /// The links of the tenant's users from the directory.
    func directoryLinks(tenantID: UUID) async throws -> [DirectoryUserLink]
    func directoryLink(userID: UUID) async throws -> DirectoryUserLink?
    func applyDirectoryUser(_ write: DirectoryUserWrite) async throws
    /// When `usernameKey` was last looked up in the tenant's directory at a flow start; nil: never.
    func directoryLookupTime(tenantID: UUID, usernameKey: String) async throws -> Date?
    func insertDirectorySyncRun(_ run: DirectorySyncRun) async throws
    /// The tenant's most recent sync run (by start time), nil when none ran.
    func lastDirectorySyncRun(tenantID: UUID) async throws -> DirectorySyncRun?
}
