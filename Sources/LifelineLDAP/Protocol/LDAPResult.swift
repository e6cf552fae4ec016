/// An LDAP result code (RFC 4511 §4.1.9 and Appendix A). A struct, not an enum: servers send codes we do not name.
struct LDAPResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    var rawValue: Int
    init(rawValue: Int) { self.rawValue = rawValue }

    static let success = Self(rawValue: 0)
    static let operationsError = Self(rawValue: 1)
    static let protocolError = Self(rawValue: 2)
    static let timeLimitExceeded = Self(rawValue: 3)
    static let sizeLimitExceeded = Self(rawValue: 4)
    static let unavailableCriticalExtension = Self(rawValue: 12)
    static let constraintViolation = Self(rawValue: 19)
    static let noSuchObject = Self(rawValue: 32)
    static let invalidCredentials = Self(rawValue: 49)
    static let insufficientAccessRights = Self(rawValue: 50)
    static let busy = Self(rawValue: 51)
    static let unavailable = Self(rawValue: 52)
    static let unwillingToPerform = Self(rawValue: 53)
    static let other = Self(rawValue: 80)

    private static let names: [Int: String] = [
        0: "success", 1: "operationsError", 2: "protocolError", 3: "timeLimitExceeded", 4: "sizeLimitExceeded",
        7: "authMethodNotSupported", 8: "strongerAuthRequired", 10: "referral", 11: "adminLimitExceeded",
        12: "unavailableCriticalExtension", 13: "confidentialityRequired", 16: "noSuchAttribute", 17: "undefinedAttributeType",
        19: "constraintViolation", 20: "attributeOrValueExists", 21: "invalidAttributeSyntax", 32: "noSuchObject",
        34: "invalidDNSyntax", 48: "inappropriateAuthentication", 49: "invalidCredentials", 50: "insufficientAccessRights",
        51: "busy", 52: "unavailable", 53: "unwillingToPerform", 64: "namingViolation", 65: "objectClassViolation", 80: "other",
    ]

    var description: String { "\(Self.names[rawValue] ?? "resultCode") (\(rawValue))" }
}

/// The LDAPResult of a response (RFC 4511 §4.1.9).
struct LDAPResult: Sendable, Equatable, CustomStringConvertible {
    var resultCode: LDAPResultCode
    var matchedDN: String
    /// The server's explanation, for operators (never shown to users: it may reveal directory internals).
    var diagnosticMessage: String
    var referrals: [String]

    init(resultCode: LDAPResultCode, matchedDN: String = "", diagnosticMessage: String = "", referrals: [String] = []) {
        self.resultCode = resultCode; self.matchedDN = matchedDN; self.diagnosticMessage = diagnosticMessage; self.referrals = referrals
    }

    var isSuccess: Bool { resultCode == .success }

    var description: String { diagnosticMessage.isEmpty ? resultCode.description : "\(resultCode): \(diagnosticMessage)" }
}
