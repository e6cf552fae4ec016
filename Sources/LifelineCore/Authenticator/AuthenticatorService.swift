import Foundation
import LifelineAuthenticatorKit

/// An activation just issued: the URI to show as a QR code or give to `lifeline-authenticator activate`.
public struct IssuedActivation: Sendable, Equatable {
    public var tenant: String
    public var username: String
    /// `lifeline://activate?...` (``ActivationURI``); contains the single-use code: shown once, never stored.
    public var uri: String
    public var expiresAt: Date
    public init(tenant: String, username: String, uri: String, expiresAt: Date) {
        self.tenant = tenant; self.username = username; self.uri = uri; self.expiresAt = expiresAt
    }
}

/// An unblocking code (UBC) just displayed: 8 digits, the only time anyone sees it.
public struct DisplayedUBC: Sendable, Equatable {
    public var code: String
    public var expiresAt: Date
    public init(code: String, expiresAt: Date) { self.code = code; self.expiresAt = expiresAt }
}

/// One of a user's authenticator apps at one organization, as the console and the admin API list them.
public struct AuthenticatorDeviceView: Sendable, Equatable {
    public var deviceID: UUID
    public var name: String
    public var model: String
    public var activatedAt: Date
    public var lastSeenAt: Date?
    /// At this organization: `active`, `blocked` (PIN or organization blocked) or `deactivated` (replaced by a newer app).
    public var state: String
    /// Whether the app's PIN is blocked (every organization of the app is blocked).
    public var pinBlocked: Bool
    /// Consecutive wrong PINs (3 block the PIN).
    public var pinFailures: Int
    public init(deviceID: UUID, name: String, model: String, activatedAt: Date, lastSeenAt: Date?, state: String, pinBlocked: Bool, pinFailures: Int) {
        self.deviceID = deviceID; self.name = name; self.model = model; self.activatedAt = activatedAt; self.lastSeenAt = lastSeenAt
        self.state = state; self.pinBlocked = pinBlocked; self.pinFailures = pinFailures
    }
}

/// The user's authenticator state at one organization: the console's summary (red when blocked) and the admin API's.
public struct AuthenticatorUserState: Sendable, Equatable {
    /// Newest first; the first `active` or `blocked` one is the app that gives valid codes.
    public var devices: [AuthenticatorDeviceView]
    /// Whether the current app is blocked at this organization (its PIN blocked, or the organization blocked).
    public var blocked: Bool
    public var pinBlocked: Bool
    /// The UBC's state, never its value: `none`, `active`, `blocked` (three wrong entries), with its expiry and failures.
    public var ubcState: String
    public var ubcExpiresAt: Date?
    public var ubcFailures: Int
    /// Until when an operator holds a PIN reset open (seed 004), nil when none is.
    public var pinResetOpenUntil: Date?
    public init(devices: [AuthenticatorDeviceView], blocked: Bool, pinBlocked: Bool, ubcState: String, ubcExpiresAt: Date?, ubcFailures: Int, pinResetOpenUntil: Date?) {
        self.devices = devices; self.blocked = blocked; self.pinBlocked = pinBlocked; self.ubcState = ubcState
        self.ubcExpiresAt = ubcExpiresAt; self.ubcFailures = ubcFailures; self.pinResetOpenUntil = pinResetOpenUntil
    }
}

/// A request the app signed with its device key: the path it was sent to, the exact body bytes, and the signature
/// header. The service checks the signature, the device and the challenge named in the body before anything else.
public struct SignedAppRequest: Sendable {
    public var path: String
    public var body: [UInt8]
    public var signature: [UInt8]
    public init(path: String, body: [UInt8], signature: [UInt8]) { self.path = path; self.body = body; self.signature = signature }
}

/// The Lifeline Authenticator on the server (issue 16): activations, device keys, the server-held PIN, online codes,
/// unblocking codes, blocking. CONTRACT: these signatures are what the HTTP adapter, the console and the CLI call;
/// the implementation (H2) keeps them and may add to them.
///
/// Errors: a bad, expired or used activation code, an unknown device, a bad signature, or an unknown, expired or
/// used challenge → ``LifelineError/Code/unauthorized`` (one message, nothing changed); malformed input →
/// `invalidRequest`. PIN and UBC outcomes are answers (``AuthenticatorWire/Answer``), not errors.
public struct AuthenticatorService: Sendable {
    public init() {}

    // MARK: operators (console, admin API, CLI)

    /// Issues an activation for `username` of `tenantName` (permission `authenticators.manage`), audited.
    /// `serverURL` is the base URL the app will call (the server's `server.publicURL`, else the request's).
    public func issueActivation(tenantName: String, username: String, serverURL: String, caller: Principal) async throws -> IssuedActivation {
        throw LifelineError(.actionUnavailable, "not built yet")
    }

    /// The user's apps and states at `tenantName` (permission `authenticators.read`).
    public func userState(tenantName: String, username: String, caller: Principal) async throws -> AuthenticatorUserState {
        throw LifelineError(.actionUnavailable, "not built yet")
    }

    // Block PIN, Display UBC and Reset PIN with the user present are helpdesk actions (`HelpdeskAction.pinBlock`,
    // `.ubcDisplay`, `.pinResetPresent`) run by `HelpdeskService.perform`, which gives them the ticket reason, caller
    // verification, four-eyes, the audit record and the user's notice.

    // MARK: the app (unauthenticated HTTP; the device signature is the authentication)

    /// `POST /api/v1/authenticator/activate`.
    public func activate(_ request: SignedAppRequest, source: String) async throws -> AuthenticatorWire.ActivateResponse {
        throw LifelineError(.actionUnavailable, "not built yet")
    }

    /// `POST /api/v1/authenticator/challenge`: a challenge for a known, active device (an unknown one gets the same
    /// answer shape and a challenge that nothing accepts, so device ids cannot be probed).
    public func challenge(_ request: AuthenticatorWire.ChallengeRequest) async throws -> AuthenticatorWire.ChallengeResponse {
        throw LifelineError(.actionUnavailable, "not built yet")
    }

    /// `POST /api/v1/authenticator/code`: checks the PIN's verifier and answers an online code (8 digits, 120 s, single use).
    public func onlineCode(_ request: SignedAppRequest, source: String) async throws -> AuthenticatorWire.Answer {
        throw LifelineError(.actionUnavailable, "not built yet")
    }

    /// `POST /api/v1/authenticator/unblock`: the organization's UBC and a new PIN.
    public func unblock(_ request: SignedAppRequest, source: String) async throws -> AuthenticatorWire.Answer {
        throw LifelineError(.actionUnavailable, "not built yet")
    }

    /// `POST /api/v1/authenticator/pin`: a new PIN while an operator holds a reset open for the user (seed 004).
    public func resetPIN(_ request: SignedAppRequest, source: String) async throws -> AuthenticatorWire.Answer {
        throw LifelineError(.actionUnavailable, "not built yet")
    }

    /// `POST /api/v1/authenticator/status`: the app's organizations and their states.
    public func status(_ request: SignedAppRequest, source: String) async throws -> AuthenticatorWire.Answer {
        throw LifelineError(.actionUnavailable, "not built yet")
    }
}
