import Foundation

/// One helpdesk action as an operator asks for it: the action, its parameters and the required reason.
public struct HelpdeskRequest: Sendable, Equatable {
    public var action: HelpdeskAction
    /// The user's token (token actions).
    public var tokenID: UUID?
    /// Two consecutive codes of the token (`token_resync`).
    public var code1: String?
    public var code2: String?
    /// Uses and lifetime of a helpdesk code (nil: the template's maximum).
    public var uses: Int?
    public var lifetimeMinutes: Int?
    /// The verified contact a helpdesk code is sent to (delivery `send`).
    public var contactID: UUID?
    /// The ticket reference or reason (``HelpdeskReason``).
    public var reason: String

    public init(action: HelpdeskAction, reason: String, tokenID: UUID? = nil, code1: String? = nil, code2: String? = nil,
                uses: Int? = nil, lifetimeMinutes: Int? = nil, contactID: UUID? = nil) {
        self.action = action; self.reason = reason; self.tokenID = tokenID; self.code1 = code1; self.code2 = code2
        self.uses = uses; self.lifetimeMinutes = lifetimeMinutes; self.contactID = contactID
    }

    /// The parameters a four-eyes request keeps (never the resync codes: that action cannot wait for approval).
    var parameters: [String: String] {
        var p: [String: String] = [:]
        if let tokenID { p["token_id"] = tokenID.uuidString.lowercased() }
        if let uses { p["uses"] = String(uses) }
        if let lifetimeMinutes { p["lifetime_minutes"] = String(lifetimeMinutes) }
        if let contactID { p["contact_id"] = contactID.uuidString.lowercased() }
        return p
    }

    /// The request a stored four-eyes request describes.
    init(_ stored: ApprovalRequest) {
        let p = stored.parameters
        self.init(action: stored.action, reason: stored.reason, tokenID: p["token_id"].flatMap(UUID.init(uuidString:)),
                  uses: p["uses"].flatMap { Int($0) }, lifetimeMinutes: p["lifetime_minutes"].flatMap { Int($0) },
                  contactID: p["contact_id"].flatMap(UUID.init(uuidString:)))
    }
}

/// What a helpdesk action did: it ran, or it waits for a second operator.
public enum HelpdeskOutcome: Sendable {
    case done(HelpdeskResult)
    case pending(ApprovalRequest)
}

/// The state an action left (whichever applies to it).
public struct HelpdeskResult: Sendable {
    public var action: HelpdeskAction
    /// The tenant's name and the user's username as stored.
    public var tenant: String
    public var username: String
    public var token: Token?
    public var emergencyCode: EmergencyCodeState?
    public var budgetsCleared: Int?
    public var code: IssuedHelpdeskCode?
    /// The unblocking code just displayed (`ubc_display`), or when a PIN reset stays open (`pin_reset_present`).
    public var ubc: DisplayedUBC?
    public var pinResetOpenUntil: Date?
    /// A short description for an approval's record (never a secret).
    public var summary: String
}

/// A helpdesk emergency access code just issued.
public struct IssuedHelpdeskCode: Sendable, Equatable {
    /// The code in display form when the tenant's delivery is `show` (the only time anyone sees it); nil when it was
    /// sent to the user.
    public var code: String?
    public var expiresAt: Date?
    public var maxUses: Int?
    public var delivery: HelpdeskCodeTemplate.Delivery
    /// The masked contact it was sent to (delivery `send`).
    public var sentTo: String?
}
