import Foundation

/// Users and contacts taken from the tenant's LDAP directory (`directory.users` of the recovery configuration,
/// with `directory.type: ldap`): which attributes hold what, when users are looked up, and how often all of them
/// are synchronized. Absent: the directory is used for password resets and unlocks only, and users are local.
public struct DirectoryUserSettings: Sendable, Codable, Equatable {
    /// Which LDAP attributes hold the user's fields; a missing key takes the flavor's default
    /// (``DirectoryAttributeMapping/defaults(for:)``).
    public var attributes: DirectoryAttributeMapping
    /// The filter of a sync (every user it finds is synchronized). Nil: the tenant's `user_filter` with
    /// `{username}` replaced by `*`, so a sync finds exactly the users a lookup can find.
    public var filter: String?
    /// Whether a recovery flow that starts for a username looks it up in the directory first (creating or updating
    /// the local user and contacts).
    public var lookupAtFlowStart: Bool
    /// Seconds during which a username that was looked up is not looked up again (found or not: see
    /// ``DirectoryUserService/lookUp(tenant:config:username:)`` for why the same for both).
    public var lookupInterval: Int
    /// Seconds between scheduled syncs run by the server; 0: none (run `lifeline directory sync` or the admin API).
    public var syncInterval: Int
    /// Whether mail and mobile from the directory count as verified contacts (offered in recovery flows).
    public var contactsVerified: Bool

    public static let defaultLookupInterval = 300
    /// Bounds of `sync_interval` when not 0. Why at least 5 minutes: a full sync reads every user of the subtree;
    /// more often would load the directory for little gain (flow starts look users up anyway).
    public static let syncIntervalRange = 300...604_800
    /// Bounds of `lookup_interval`.
    public static let lookupIntervalRange = 0...86_400

    public init(attributes: DirectoryAttributeMapping = DirectoryAttributeMapping(), filter: String? = nil, lookupAtFlowStart: Bool = true,
                lookupInterval: Int = Self.defaultLookupInterval, syncInterval: Int = 0, contactsVerified: Bool = true) {
        self.attributes = attributes; self.filter = filter; self.lookupAtFlowStart = lookupAtFlowStart
        self.lookupInterval = lookupInterval; self.syncInterval = syncInterval; self.contactsVerified = contactsVerified
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case attributes, filter
        case lookupAtFlowStart = "lookup_at_flow_start", lookupInterval = "lookup_interval", syncInterval = "sync_interval"
        case contactsVerified = "contacts_verified"
    }

    public init(from decoder: any Decoder) throws {
        try ConfigKeyCheck.refuseUnknown(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        attributes = try c.decodeIfPresent(DirectoryAttributeMapping.self, forKey: .attributes) ?? DirectoryAttributeMapping()
        filter = try c.decodeIfPresent(String.self, forKey: .filter)
        lookupAtFlowStart = try c.decodeIfPresent(Bool.self, forKey: .lookupAtFlowStart) ?? true
        lookupInterval = try c.decodeIfPresent(Int.self, forKey: .lookupInterval) ?? Self.defaultLookupInterval
        syncInterval = try c.decodeIfPresent(Int.self, forKey: .syncInterval) ?? 0
        contactsVerified = try c.decodeIfPresent(Bool.self, forKey: .contactsVerified) ?? true
    }

    /// Problems of these settings (paths under `directory.users`).
    func problems() -> [ConfigProblem] {
        var out: [ConfigProblem] = []
        func bad(_ key: String, _ reason: String) { out.append(ConfigProblem(path: ["directory", "users", key], reason: reason)) }
        if let f = filter {
            // Why a bound: the filter is sent with every sync; the adapter parses it fully at apply time.
            if f.utf8.count > DirectorySettings.maxUserFilterLength { bad("filter", "at most \(DirectorySettings.maxUserFilterLength) bytes") }
            else if !f.hasPrefix("(") || !f.hasSuffix(")") || f.contains("{username}") {
                bad("filter", "must be a parenthesized LDAP filter without {username}")
            }
        }
        if !Self.lookupIntervalRange.contains(lookupInterval) { bad("lookup_interval", "must be 0 to \(Self.lookupIntervalRange.upperBound) seconds") }
        if syncInterval != 0 && !Self.syncIntervalRange.contains(syncInterval) {
            bad("sync_interval", "must be 0 (off) or \(Self.syncIntervalRange.lowerBound) to \(Self.syncIntervalRange.upperBound) seconds")
        }
        out += attributes.problems()
        return out
    }
}

/// The LDAP attributes that hold a user's fields (`directory.users.attributes`). Each is an attribute description
/// (a name such as `mail`, or an OID); nil takes the flavor's default.
public struct DirectoryAttributeMapping: Sendable, Codable, Equatable {
    public var username: String?
    public var displayName: String?
    public var mail: String?
    public var mobile: String?
    public var language: String?

    public init(username: String? = nil, displayName: String? = nil, mail: String? = nil, mobile: String? = nil, language: String? = nil) {
        self.username = username; self.displayName = displayName; self.mail = mail; self.mobile = mobile; self.language = language
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case username, mail, mobile, language
        case displayName = "display_name"
    }

    public init(from decoder: any Decoder) throws {
        try ConfigKeyCheck.refuseUnknown(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        username = try c.decodeIfPresent(String.self, forKey: .username)
        displayName = try c.decodeIfPresent(String.self, forKey: .displayName)
        mail = try c.decodeIfPresent(String.self, forKey: .mail)
        mobile = try c.decodeIfPresent(String.self, forKey: .mobile)
        language = try c.decodeIfPresent(String.self, forKey: .language)
    }

    /// The attribute names a directory of `flavor` uses: OpenLDAP's inetOrgPerson (`uid`, `displayName`, `mail`,
    /// `mobile`, `preferredLanguage`) and Active Directory's user (`sAMAccountName`, the same others).
    public static func defaults(for flavor: LDAPSettings.Flavor) -> ResolvedAttributes {
        ResolvedAttributes(username: flavor == .activeDirectory ? "sAMAccountName" : "uid", displayName: "displayName", mail: "mail",
                           mobile: "mobile", language: "preferredLanguage")
    }

    /// This mapping with the flavor's defaults where it names none.
    public func resolved(for flavor: LDAPSettings.Flavor) -> ResolvedAttributes {
        let d = Self.defaults(for: flavor)
        return ResolvedAttributes(username: username ?? d.username, displayName: displayName ?? d.displayName, mail: mail ?? d.mail,
                                  mobile: mobile ?? d.mobile, language: language ?? d.language)
    }

    /// The attribute names of a mapping with every field set.
    public struct ResolvedAttributes: Sendable, Equatable {
        public var username: String
        public var displayName: String
        public var mail: String
        public var mobile: String
        public var language: String

        public init(username: String, displayName: String, mail: String, mobile: String, language: String) {
            self.username = username; self.displayName = displayName; self.mail = mail; self.mobile = mobile; self.language = language
        }

        /// The names in the order they are requested.
        public var all: [String] { [username, displayName, mail, mobile, language] }
    }

    /// Why so strict: the names are sent in every search; an attribute description (RFC 4512 §2.5) is a
    /// keystring (a letter, then letters, digits and `-`) or a numeric OID, with no options or spaces.
    static func isAttributeDescription(_ name: String) -> Bool {
        let b = Array(name.utf8)
        guard (1...64).contains(b.count) else { return false }
        let letter = { (c: UInt8) in (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) }
        let digit = { (c: UInt8) in c >= 0x30 && c <= 0x39 }
        if letter(b[0]) { return b.allSatisfy { letter($0) || digit($0) || $0 == 0x2d } }
        return digit(b[0]) && b.allSatisfy { digit($0) || $0 == 0x2e } && !name.contains("..") && b.last != 0x2e
    }

    func problems() -> [ConfigProblem] {
        let fields: [(String, String?)] = [("username", username), ("display_name", displayName), ("mail", mail), ("mobile", mobile), ("language", language)]
        return fields.compactMap { key, value in
            guard let value, !Self.isAttributeDescription(value) else { return nil }
            return ConfigProblem(path: ["directory", "users", "attributes", key], reason: "must be an LDAP attribute name (a letter, then letters, digits and '-'; or an OID), at most 64 characters")
        }
    }
}
