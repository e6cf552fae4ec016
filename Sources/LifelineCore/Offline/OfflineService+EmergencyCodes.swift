import Foundation
import LifelineAuthenticatorKit

extension OfflineService {
    // MARK: operators: a token's offline emergency access tokencodes ("Manage emergency access tokencodes")

    /// The token's offline emergency access tokencodes (permission offline_codes.read; audited `offline_code.view`,
    /// since it shows a secret).
    public func emergencyCodes(tenantName: String, tokenID: UUID, caller: Principal) async throws -> OfflineEmergencyView {
        let (tenant, user, stored) = try await operatorToken(tenantName, tokenID, .offlineCodesRead, caller)
        return try await view(tenant: tenant, user: user, stored: stored, codes: try await storage.emergencyCodes(tokenID: tokenID), caller: caller)
    }

    /// "Reset offline emergency access tokencode": new codes, downloaded at the user's next online authentication
    /// (permission offline_codes.manage; audited `offline_code.reset`, the user notified). Online use stays as it was.
    public func resetEmergencyCodes(tenantName: String, tokenID: UUID, caller: Principal) async throws -> OfflineEmergencyView {
        let (tenant, user, stored) = try await operatorToken(tenantName, tokenID, .offlineCodesManage, caller)
        let policy = try await policy(tenant)
        let old = try await storage.emergencyCodes(tokenID: tokenID)
        let codes = try await makeCodes(stored.token, policy: policy, onlineUse: old?.onlineUse ?? false, now: clock.now(),
                                        audit: record(caller, tenant: tenant.name, subject: user.username, event: "offline_code.reset",
                                                      reason: "token \(tokenID.uuidString.lowercased())"))
        try await notify("offline_code_reset", user: user, tenant: tenant)
        return try await view(tenant: tenant, user: user, stored: stored, codes: codes, caller: caller)
    }

    /// "Use offline code for online access" on or off (permission offline_codes.manage; audited `offline_code.online`,
    /// the user notified when switched on). Switching on a token that has no codes yet makes them.
    public func setEmergencyOnlineUse(tenantName: String, tokenID: UUID, on: Bool, caller: Principal) async throws -> OfflineEmergencyView {
        let (tenant, user, stored) = try await operatorToken(tenantName, tokenID, .offlineCodesManage, caller)
        let audit = record(caller, tenant: tenant.name, subject: user.username, event: "offline_code.online",
                           reason: "\(on ? "on" : "off") token \(tokenID.uuidString.lowercased())")
        if try await !storage.setEmergencyOnlineUse(tokenID: tokenID, on: on, audit: audit), on {
            _ = try await makeCodes(stored.token, policy: try await policy(tenant), onlineUse: true, now: clock.now(), audit: audit)
        }
        // Why the user is told: codes that work online are a way into the account; an owner who did not ask must hear.
        if on { try await notify("offline_code_online", user: user, tenant: tenant) }
        return try await view(tenant: tenant, user: user, stored: stored, codes: try await storage.emergencyCodes(tokenID: tokenID), caller: caller)
    }

    /// The verifiers of the token's codes for a window with `salt` that ends at `until`, making new codes when the token
    /// has none or they expire before then (audited `offline_code.create`).
    func emergencyData(tenant: Tenant, user: User, stored: StoredToken, pin: String?, policy: OfflinePolicy, salt: [UInt8], until: Date, now: Date,
                       caller: Principal) async throws -> OfflineEmergencyData {
        var codes = try await storage.emergencyCodes(tokenID: stored.token.id)
        if codes == nil || codes!.expiresAt < until {
            codes = try await makeCodes(stored.token, policy: policy, onlineUse: false, now: now,
                                        audit: record(caller, tenant: tenant.name, subject: user.username, event: "offline_code.create",
                                                      reason: "token \(stored.token.id.uuidString.lowercased())"))
        }
        let (tokencode, passcode) = try await open(codes!)
        let tokencodeInput = (pin ?? "") + tokencode
        return OfflineEmergencyData(
            tokencode: Data(OfflineConstruction.emergencyVerifier(salt: salt, kind: OfflineEmergencyKind.tokencode.rawValue, input: tokencodeInput)).base64EncodedString(),
            passcode: Data(OfflineConstruction.emergencyVerifier(salt: salt, kind: OfflineEmergencyKind.passcode.rawValue, input: passcode)).base64EncodedString(),
            expiresAt: Int64(codes!.expiresAt.timeIntervalSince1970))
    }

    /// New codes for `token` (both kinds), sealed with the key ring, stored replacing any earlier ones.
    func makeCodes(_ token: Token, policy: OfflinePolicy, onlineUse: Bool, now: Date, audit: AuditRecord) async throws -> OfflineEmergencyCodes {
        let tokencode = OfflineRules.newEmergencyCode(random), passcode = OfflineRules.newEmergencyCode(random)
        let codes = OfflineEmergencyCodes(
            tokenID: token.id, tenantID: token.tenantID, userID: token.userID,
            tokencode: try await vault.seal(Array(tokencode.utf8), context: OfflineRules.emergencySealContext(tokenID: token.id, kind: .tokencode)),
            passcode: try await vault.seal(Array(passcode.utf8), context: OfflineRules.emergencySealContext(tokenID: token.id, kind: .passcode)),
            createdAt: now, expiresAt: now.addingTimeInterval(TimeInterval(policy.emergencyCodeDays) * 86_400), onlineUse: onlineUse)
        try await storage.putEmergencyCodes(codes, audit: audit)
        return codes
    }

    /// The two codes in clear (canonical form).
    func open(_ codes: OfflineEmergencyCodes) async throws -> (tokencode: String, passcode: String) {
        let t = try await vault.open(codes.tokencode, context: OfflineRules.emergencySealContext(tokenID: codes.tokenID, kind: .tokencode))
        let p = try await vault.open(codes.passcode, context: OfflineRules.emergencySealContext(tokenID: codes.tokenID, kind: .passcode))
        return (String(decoding: t, as: UTF8.self), String(decoding: p, as: UTF8.self))
    }

    func policy(_ tenant: Tenant) async throws -> OfflinePolicy { try await storage.recoveryConfig(tenantID: tenant.id)?.offline ?? OfflinePolicy() }

    /// The tenant, the token's user and the token, for an operator with `permission` and scope over the tenant. Why
    /// `notFound` for another tenant's token: an operator of one organization must not reach another's tokens by id.
    func operatorToken(_ tenantName: String, _ tokenID: UUID, _ permission: Permission, _ caller: Principal) async throws -> (Tenant, User, StoredToken) {
        try authorizer.require(permission, caller)
        let tenant = try await admin.tenant(tenantName, caller: caller)
        guard let stored = try await storage.storedToken(id: tokenID, tenantID: tenant.id), let user = try await storage.user(id: stored.token.userID),
              user.tenantID == tenant.id else { throw LifelineError(.notFound, "no such token") }
        return (tenant, user, stored)
    }

    /// The console's view; the codes only for a caller holding offline_codes.read (then the showing is audited).
    func view(tenant: Tenant, user: User, stored: StoredToken, codes: OfflineEmergencyCodes?, caller: Principal) async throws -> OfflineEmergencyView {
        let policy = try await policy(tenant)
        let groups = try await storage.groups(userID: user.id)
        let permitted = policy.emergencyCodes && policy.covers(username: user.username, groups: groups)
        var view = OfflineEmergencyView(tokenID: stored.token.id, permitted: permitted, tokencode: nil, passcode: nil, needsPIN: stored.pin != nil,
                                        expiresAt: codes?.expiresAt, downloaded: codes?.downloadedAt != nil, onlineUse: codes?.onlineUse ?? false)
        if let codes, authorizer.allows(caller, .offlineCodesRead) {
            let (t, p) = try await open(codes)
            // Why audited: it shows a secret that lets someone in (online when switched on, offline on the laptop).
            try await storage.append(record(caller, tenant: tenant.name, subject: user.username, event: "offline_code.view",
                                            reason: "token \(stored.token.id.uuidString.lowercased())"))
            view.tokencode = OfflineConstruction.grouped(t)
            view.passcode = OfflineConstruction.grouped(p)
        }
        return view
    }

    /// Queues notice `kind` to the user's verified contacts.
    func notify(_ kind: String, user: User, tenant: Tenant) async throws {
        let contacts = try await storage.contacts(userID: user.id)
        let outbox = try await OfflineNotices(vault: vault).notices(kind, user: user, tenant: tenant, contacts: contacts, now: clock.now())
        guard !outbox.isEmpty else { return }
        _ = try await storage.transaction { tx in for m in outbox { tx.queue(m) } }
        onQueued()
    }
}
