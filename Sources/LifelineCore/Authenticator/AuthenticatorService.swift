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
/// unblocking codes, blocking. These signatures are what the HTTP adapter, the console and the CLI call.
///
/// Errors: a bad, expired or used activation code, an unknown device, a bad signature, or an unknown, expired or
/// used challenge → ``LifelineError/Code/unauthorized`` (one message, nothing changed); malformed input →
/// `invalidRequest`. PIN and UBC outcomes are answers (``AuthenticatorWire/Answer``), not errors — except at
/// activation, whose answer has no result: there a wrong or blocked PIN is `forbidden`, a weak one `invalidRequest`.
///
/// Every signed request: verify the signature with the device's key → take the challenge (single use) → act. Why in
/// this order: a request that is not the device's changes nothing, not even a challenge.
public struct AuthenticatorService: Sendable {
    /// The tenants and users (names in answers, contacts for notices), the tenants' settings, the Authenticator's
    /// rows, and the audit log (refused signed requests).
    public typealias Storage = TenantStore & UserStore & RecoveryStore & AuthenticatorStore & AuditLog

    let admin: AdminService
    let storage: any Storage
    let onQueued: @Sendable () -> Void

    var vault: any KeyVault { admin.vault }
    var clock: any LifelineClock { admin.clock }
    var random: any RandomSource { admin.random }
    var authorizer: Authorizer { admin.authorizer }

    /// `admin` resolves tenants and users for operators (scope and permissions) and brings the vault (sealing pinKey,
    /// orgKey, V and the UBC), the clock and the CSPRNG the composition root chose; `onQueued` wakes the outbox
    /// dispatcher after notices were queued.
    public init(admin: AdminService, storage: any Storage, onQueued: @escaping @Sendable () -> Void = {}) {
        self.admin = admin; self.storage = storage; self.onQueued = onQueued
    }

    /// The tenant's Authenticator settings (defaults when it has no configuration).
    func settings(_ tenantID: UUID) async throws -> AuthenticatorSettings {
        try await storage.recoveryConfig(tenantID: tenantID)?.authenticator ?? AuthenticatorSettings()
    }

    // MARK: operators (console, admin API, CLI)

    /// Issues an activation for `username` of `tenantName` (permission `authenticators.manage`), audited
    /// (`authenticator.activation_issue`). `serverURL` is the base URL the app will call (the server's
    /// `server.publicURL`, else the request's).
    public func issueActivation(tenantName: String, username: String, serverURL: String, caller: Principal) async throws -> IssuedActivation {
        try authorizer.require(.authenticatorsManage, caller)
        let (tenant, user) = try await admin.user(tenantName: tenantName, username: username, caller: caller)
        guard user.status == .active else { throw LifelineError(.invalidRequest, "the user is not active") }
        let server = serverURL.trimmingCharacters(in: .whitespaces)
        guard server.hasPrefix("https://") || server.hasPrefix("http://"), server.utf8.count <= 2048 else {
            throw LifelineError(.invalidRequest, "the server URL must be an http(s) URL")
        }
        // Why 26 base32 letters from the CSPRNG: 130 bits, above the 112 that NIST SP 800-63B-4 §4.1.2.2 asks of a
        // code typed without an identifier; single use and 10 minutes (``AuthenticatorRules/activationLifetime``).
        let code = random.string(length: 26, alphabet: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"))
        let now = clock.now()
        let activation = AuthenticatorActivation(id: random.uuid(), codeHash: AuthenticatorRules.activationCodeHash(code), tenantID: tenant.id,
                                                 userID: user.id, issuedBy: caller.actor, createdAt: now,
                                                 expiresAt: now.addingTimeInterval(AuthenticatorRules.activationLifetime))
        try await storage.insertActivation(activation, audit: admin.audit(caller, tenant: tenant.name, subject: user.username,
                                                                          event: "authenticator.activation_issue"))
        let uri = ActivationURI(server: server, tenant: tenant.name, username: user.username, code: code)
        return IssuedActivation(tenant: tenant.name, username: user.username, uri: uri.text, expiresAt: activation.expiresAt)
    }

    /// The user's apps and states at `tenantName` (permission `authenticators.read`).
    public func userState(tenantName: String, username: String, caller: Principal) async throws -> AuthenticatorUserState {
        try authorizer.require(.authenticatorsRead, caller)
        let (tenant, user) = try await admin.user(tenantName: tenantName, username: username, caller: caller)
        let now = clock.now()
        var views: [AuthenticatorDeviceView] = []
        var blocked = false, pinBlocked = false, seenLive = false
        // The live app first (the one that gives codes), then the replaced ones, newest first: two activations in
        // the same second must not list the replaced app on top.
        let rows = try await storage.authenticatorLinks(tenantID: tenant.id, userID: user.id).enumerated().sorted {
            ($0.element.link.state == .deactivated ? 1 : 0, $0.offset) < ($1.element.link.state == .deactivated ? 1 : 0, $1.offset)
        }.map(\.element)
        for (link, device) in rows {
            let devicePINBlocked = AuthenticatorLink.pinBlocked(try await storage.authenticatorLinks(deviceID: device.id))
            views.append(AuthenticatorDeviceView(deviceID: device.id, name: device.name, model: device.model, activatedAt: link.createdAt,
                                                 lastSeenAt: device.lastSeenAt, state: link.state.rawValue, pinBlocked: devicePINBlocked,
                                                 pinFailures: device.pinFailures))
            if link.state != .deactivated && !seenLive {
                seenLive = true; blocked = link.state == .blocked; pinBlocked = devicePINBlocked
            }
        }
        let ubc = try await storage.authenticatorUBC(tenantID: tenant.id, userID: user.id).flatMap { $0.expiresAt > now ? $0 : nil }
        let reset = try await storage.pinReset(tenantID: tenant.id, userID: user.id).flatMap { $0.openUntil > now ? $0 : nil }
        return AuthenticatorUserState(devices: views, blocked: blocked, pinBlocked: pinBlocked,
                                      ubcState: ubc.map { $0.blocked ? "blocked" : "active" } ?? "none", ubcExpiresAt: ubc?.expiresAt,
                                      ubcFailures: ubc?.failures ?? 0, pinResetOpenUntil: reset?.openUntil)
    }

    // Block PIN, Display UBC and Reset PIN with the user present are helpdesk actions (`HelpdeskAction.pinBlock`,
    // `.ubcDisplay`, `.pinResetPresent`) run by `HelpdeskService.perform`, which gives them the ticket reason, caller
    // verification, four-eyes, the audit record and the user's notice (AuthenticatorService+Helpdesk.swift).

    // MARK: the app (unauthenticated HTTP; the device signature is the authentication)

    /// `POST /api/v1/authenticator/activate` (AuthenticatorService+Activate.swift).
    public func activate(_ request: SignedAppRequest, source: String) async throws -> AuthenticatorWire.ActivateResponse {
        try await activateApp(request, source: source)
    }

    /// `POST /api/v1/authenticator/challenge`: a challenge for a known device (an unknown one gets the same answer
    /// shape and a challenge that nothing accepts, so device ids cannot be probed).
    public func challenge(_ request: AuthenticatorWire.ChallengeRequest) async throws -> AuthenticatorWire.ChallengeResponse {
        let bytes = random.bytes(32)
        let now = clock.now()
        if let id = UUID(uuidString: request.deviceID), try await storage.authenticatorDevice(id: id) != nil {
            try await storage.insertChallenge(AuthenticatorChallenge(hash: AuthenticatorRules.challengeHash(bytes), deviceID: id,
                                                                     expiresAt: now.addingTimeInterval(AuthenticatorRules.challengeLifetime)), now: now)
        }
        return AuthenticatorWire.ChallengeResponse(challenge: Data(bytes).base64EncodedString(), expiresIn: Int(AuthenticatorRules.challengeLifetime))
    }

    /// `POST /api/v1/authenticator/code`: checks the PIN's verifier and answers an online code (8 digits, 120 s, single use).
    public func onlineCode(_ request: SignedAppRequest, source: String) async throws -> AuthenticatorWire.Answer {
        try await codeForApp(request, source: source)
    }

    /// `POST /api/v1/authenticator/unblock`: the organization's UBC and a new PIN.
    public func unblock(_ request: SignedAppRequest, source: String) async throws -> AuthenticatorWire.Answer {
        try await unblockApp(request, source: source)
    }

    /// `POST /api/v1/authenticator/pin`: a new PIN while an operator holds a reset open for the user (seed 004).
    public func resetPIN(_ request: SignedAppRequest, source: String) async throws -> AuthenticatorWire.Answer {
        try await resetAppPIN(request, source: source)
    }

    /// `POST /api/v1/authenticator/status`: the app's organizations and their states.
    public func status(_ request: SignedAppRequest, source: String) async throws -> AuthenticatorWire.Answer {
        let (body, device) = try await signed(request, AuthenticatorWire.StatusRequest.self, path: "/status", source: source,
                                              deviceID: { $0.deviceID }, challenge: { $0.challenge })
        _ = body
        return try await answer(.ok, device: device.id)
    }
}
