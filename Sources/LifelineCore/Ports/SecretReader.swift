/// Where an operator's secret lives, as the server configuration names it: an environment variable or a file.
public enum SecretLocation: Sendable, Equatable {
    case environment(String)
    case file(String)
}

/// Reads an operator's secret (today the LDAP service account's password) when it is needed.
///
/// Why a port: the core does no I/O. The composition root implements it with the process environment and the
/// file system; tests hand in a dictionary.
public protocol SecretReader: Sendable {
    /// The secret's text as stored, or nil when it is missing or unreadable.
    func read(_ location: SecretLocation) -> String?
}
