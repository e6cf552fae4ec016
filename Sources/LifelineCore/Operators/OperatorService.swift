import Foundation

/// An operator as the lists show it: the operator and the names of its tenants.
public struct OperatorListing: Sendable, Equatable {
    public var op: Operator
    /// The names of its tenants, sorted (empty for a superuser: all).
    public var tenants: [String]
}

/// The console's operators: creating them (with a one-time enrolment link), listing, disabling, enabling, changing
/// roles and resetting; enrolment, login, sessions and re-authentication are in the extensions. Every action is audited
/// with the acting principal as the actor (`operator:<name>`, `cli`, `apikey:<id>`).
public struct OperatorService: Sendable {
    /// What the operators need: their own store, the tenants (names and scope) and the audit log.
    public typealias Storage = OperatorStore & TenantStore & AuditLog

    let storage: any Storage
    let vault: any KeyVault
    let clock: any LifelineClock
    let random: any RandomSource
    let verifier: OTPVerifier
    let authorizer = Authorizer()

    /// `policy`: the OTP windows and the throttle of failed logins (the same as token validation's).
    public init(storage: any Storage, vault: any KeyVault, clock: any LifelineClock, random: any RandomSource, policy: OTPPolicy) {
        self.storage = storage; self.vault = vault; self.clock = clock; self.random = random; self.verifier = OTPVerifier(policy: policy)
    }

    /// A new operator and the token of its enrolment link (`<base>/console/enrol/<token>`, valid 24 h), shown only now.
    public struct Created: Sendable {
        public var op: Operator
        public var enrolmentToken: String
        public var expiresAt: Date
    }

    /// Creates an operator `name` with `role` in the tenants named `tenants` (none for a superuser), pending until it
    /// enrols. Who may: ``OperatorRules/requireMayManage(role:tenantIDs:by:)``.
    public func create(name: String, role: Role, tenants: [String], caller: Principal) async throws -> Created {
        try authorizer.require(.operatorsManage, caller)
        let name = try OperatorRules.name(name)
        let tenantIDs = try await resolveTenants(tenants, role: role, caller: caller)
        try OperatorRules.requireMayManage(role: role, tenantIDs: tenantIDs, by: caller)
        let now = clock.now()
        var op = Operator(id: random.uuid(), name: name, role: role, tenantIDs: tenantIDs, createdAt: now, createdBy: caller.actor)
        // Why made now and kept sealed: the enrolment page shows it to whoever holds the link, and the confirming code
        // proves the authenticator app has it before the operator can log in.
        op.totpSecret = try await vault.seal(random.bytes(20), context: op.secretContext)
        let token = OperatorRules.newToken(random)
        let enrolment = OperatorEnrolment(tokenHash: OperatorSession.hash(token: token), operatorID: op.id, createdAt: now,
                                          expiresAt: now.addingTimeInterval(OperatorEnrolment.lifetime))
        let names = try await tenantNames(op)
        try await storage.insertOperator(op, enrolment: enrolment, audit: audit(caller, op, names, event: "operator.create",
                                                                              reason: describe(role, names)))
        return Created(op: op, enrolmentToken: token, expiresAt: enrolment.expiresAt)
    }

    /// The operators the caller may see, by name: a global caller all, a scoped one those that share a tenant with it
    /// (never a superuser: it is global, and the list of global accounts is not a tenant's business).
    public func list(caller: Principal) async throws -> [OperatorListing] {
        try authorizer.require(.operatorsRead, caller)
        let names = Dictionary(uniqueKeysWithValues: try await storage.tenants().map { ($0.id, $0.name) })
        return try await storage.operatorRecords()
            .filter { op in caller.isGlobal || (op.role != .superuser && op.tenantIDs.contains(where: caller.mayAccess)) }
            .map { OperatorListing(op: $0, tenants: $0.tenantIDs.compactMap { names[$0] }.sorted()) }
    }

    /// Disables (ending its sessions) or enables the operator `name`.
    public func setDisabled(name: String, _ disabled: Bool, caller: Principal) async throws -> Operator {
        var op = try await managed(name, caller: caller)
        let target: OperatorState = disabled ? .disabled : (op.passwordHash == nil ? .pending : .active)
        guard op.state != target else { return op }
        op.state = target
        try await storage.updateOperator(op, endSessions: disabled, enrolment: nil,
                                         audit: audit(caller, op, try await tenantNames(op), event: disabled ? "operator.disable" : "operator.enable"))
        return op
    }

    /// Gives the operator `name` another role (and, with `tenants`, other tenants); its sessions end, so the new rights
    /// take effect at its next login. The new role must rank below the caller's too.
    public func changeRole(name: String, role: Role, tenants: [String]?, caller: Principal) async throws -> Operator {
        var op = try await managed(name, caller: caller)
        var tenantIDs = role == .superuser ? [] : op.tenantIDs
        if let tenants { tenantIDs = try await resolveTenants(tenants, role: role, caller: caller) }
        try OperatorRules.requireMayManage(role: role, tenantIDs: tenantIDs, by: caller)
        op.role = role; op.tenantIDs = tenantIDs
        let names = try await tenantNames(op)
        try await storage.updateOperator(op, endSessions: true, enrolment: nil,
                                         audit: audit(caller, op, names, event: "operator.role", reason: describe(role, names)))
        return op
    }

    /// A new enrolment link for the operator `name`: its password and TOTP secret are replaced at enrolment, its sessions
    /// and older links end now, and it is pending until it enrols again (a lost phone, a forgotten password).
    public func reset(name: String, caller: Principal) async throws -> Created {
        var op = try await managed(name, caller: caller)
        let now = clock.now()
        op.state = op.state == .disabled ? .disabled : .pending
        op.passwordHash = nil
        op.totpSecret = try await vault.seal(random.bytes(20), context: op.secretContext)
        let token = OperatorRules.newToken(random)
        let enrolment = OperatorEnrolment(tokenHash: OperatorSession.hash(token: token), operatorID: op.id, createdAt: now,
                                          expiresAt: now.addingTimeInterval(OperatorEnrolment.lifetime))
        try await storage.updateOperator(op, endSessions: true, enrolment: enrolment,
                                         audit: audit(caller, op, try await tenantNames(op), event: "operator.reset"))
        return Created(op: op, enrolmentToken: token, expiresAt: enrolment.expiresAt)
    }

    // MARK: helpers

    /// The operator `name`, if the caller may manage it (never itself). Why "not found" for one outside the caller's
    /// reach: a tenant-admin must not learn the names of other tenants' operators by probing.
    func managed(_ name: String, caller: Principal) async throws -> Operator {
        try authorizer.require(.operatorsManage, caller)
        let name = try OperatorRules.name(name)
        guard let op = try await storage.operatorRecord(named: name),
              caller.isGlobal || (op.role != .superuser && op.tenantIDs.contains(where: caller.mayAccess)) else {
            throw LifelineError(.notFound, "no such operator")
        }
        try OperatorRules.requireNotSelf(op.name, caller)
        try OperatorRules.requireMayManage(role: op.role, tenantIDs: op.tenantIDs, by: caller)
        return op
    }

    /// The ids of the tenants named `names`, each of which the caller may act in; none for a superuser.
    func resolveTenants(_ names: [String], role: Role, caller: Principal) async throws -> Set<UUID> {
        if role == .superuser {
            // A superuser acts in every tenant (`lifeline operator create NAME --role superuser [--tenant T]`): a named
            // tenant must exist and be the caller's, but widens nothing and narrows nothing. Why not refuse it: the
            // issue's command line allows it; why not store it: a superuser "scoped" to one tenant would still be global.
            for name in names {
                let tenant = try await storage.tenant(named: (try? Validation.tenantName(name)) ?? "")
                try authorizer.requireScope(caller, tenant: tenant)
                guard tenant != nil else { throw LifelineError(.notFound, "no such tenant: \(try Validation.tenantName(name))") }
            }
            return []
        }
        var ids = Set<UUID>()
        for name in names {
            let tenant = try await storage.tenant(named: (try? Validation.tenantName(name)) ?? "")
            try authorizer.requireScope(caller, tenant: tenant)
            guard let tenant else { throw LifelineError(.notFound, "no such tenant: \(try Validation.tenantName(name))") }
            ids.insert(tenant.id)
        }
        return ids
    }

    /// The sorted names of the operator's tenants.
    func tenantNames(_ op: Operator) async throws -> [String] {
        var names: [String] = []
        for id in op.tenantIDs { if let t = try await storage.tenant(id: id) { names.append(t.name) } }
        return names.sorted()
    }

    func describe(_ role: Role, _ tenants: [String]) -> String {
        role.rawValue + (tenants.isEmpty ? "" : " " + tenants.joined(separator: ","))
    }

    /// The audit record of an action on `op`: in its tenant's chain when it has exactly one (so that tenant's audit log
    /// shows it), else in the global chain.
    func audit(_ caller: Principal, _ op: Operator, _ tenants: [String], event: String, outcome: String = "success", reason: String = "") -> AuditRecord {
        AuditRecord(time: clock.now(), tenant: tenants.count == 1 ? tenants[0] : nil, actor: caller.actor, subject: "operator:\(op.name)",
                    event: event, outcome: outcome, reason: reason, source: caller.source)
    }
}
