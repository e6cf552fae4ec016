import Foundation
@testable import LifelineCore
import Testing

@Suite("Authorizer: roles, permissions and tenant scope")
struct AuthorizerTests {
    let authorizer = Authorizer()
    static let acme = Tenant(id: UUID(), name: "acme", displayName: "ACME", createdAt: Date(timeIntervalSince1970: 0))
    static let other = Tenant(id: UUID(), name: "other", displayName: "Other", createdAt: Date(timeIntervalSince1970: 0))

    static func key(_ role: Role, tenant: Tenant? = nil) -> Principal {
        Principal(.apiKey(id: "AbCdEf123456"), roles: [role], tenantID: tenant?.id)
    }

    @Test("the table of docs/security.md, permission by permission")
    func table() {
        let helpdesk: Set<Permission> = [.tenantsRead, .usersRead, .tokensRead, .tokensManage, .cardsRead, .emergencyCodesRead,
                                         .emergencyCodesRevoke, .recoveryCodesRead, .recoveryBudgetsRead, .recoveryBudgetsLift,
                                         .callersVerify, .helpdeskCodesIssue, .authenticatorsRead, .authenticatorsManage,
                                         .agentsRead, .offlineCodesRead, .offlineCodesManage, .tokensLost]
        let useradmin = helpdesk.union([.usersWrite, .tokensWrite, .tokensCheck, .cardsWrite, .recoveryCodesManage])
        let expected: [Role: Set<Permission>] = [
            .validate: [.validate],
            .agent: [.agentAuthenticate],
            .auditor: [.tenantsRead, .usersRead, .tokensRead, .cardsRead, .emergencyCodesRead, .recoveryCodesRead,
                       .recoveryBudgetsRead, .auditRead, .authenticatorsRead, .agentsRead],
            .helpdesk: helpdesk,
            .useradmin: useradmin,
            .tenantAdmin: useradmin.union([.auditRead, .configRead, .configWrite, .apiKeysManage, .operatorsRead,
                                           .operatorsManage, .directorySync, .agentsManage]),
            .superuser: Set(Permission.allCases).subtracting([.validate, .agentAuthenticate]),
            .admin: Set(Permission.allCases).subtracting([.validate, .agentAuthenticate]),
        ]
        for role in Role.allCases {
            #expect(authorizer.permissions(of: role) == expected[role], "\(role)")
            for permission in Permission.allCases {
                #expect(authorizer.allows(Self.key(role), permission) == expected[role]!.contains(permission), "\(role) \(permission)")
            }
        }
    }

    @Test("the auditor changes nothing: it holds only reads")
    func auditorOnlyReads() {
        let writes = authorizer.permissions(of: .auditor).filter { !$0.rawValue.hasSuffix(".read") }
        #expect(writes.isEmpty)
    }

    @Test("whoever may change something may also read it (the use cases look the user up with users.read)")
    func writersRead() {
        for role in Role.allCases where role != .validate && role != .agent {
            let held = authorizer.permissions(of: role)
            #expect(held.contains(.usersRead), "\(role)")
            if held.contains(.tokensManage) || held.contains(.tokensWrite) { #expect(held.contains(.tokensRead), "\(role)") }
            if held.contains(.cardsWrite) { #expect(held.contains(.cardsRead), "\(role)") }
            if held.contains(.emergencyCodesRevoke) { #expect(held.contains(.emergencyCodesRead), "\(role)") }
            if held.contains(.recoveryCodesManage) { #expect(held.contains(.recoveryCodesRead), "\(role)") }
            if held.contains(.recoveryBudgetsLift) { #expect(held.contains(.recoveryBudgetsRead), "\(role)") }
            if held.contains(.configWrite) { #expect(held.contains(.configRead), "\(role)") }
        }
    }

    @Test("a refusal is forbidden and names the permission")
    func refusal() {
        #expect(throws: LifelineError.self) { try authorizer.require(.usersWrite, Self.key(.auditor)) }
        do {
            try authorizer.require(.usersWrite, Self.key(.helpdesk))
            Issue.record("helpdesk may not write users")
        } catch {
            #expect(error.code == .forbidden)
            #expect(error.message.contains("users.write"))
        }
        #expect(throws: Never.self) { try authorizer.require(.tokensManage, Self.key(.helpdesk)) }
    }

    @Test("an operator of two organizations reaches both and no third, and is not global")
    func severalTenants() {
        let both = Principal(.operator(name: "olga"), roles: [.tenantAdmin], tenants: [Self.acme.id, Self.other.id])
        #expect(!both.isGlobal)
        #expect(both.singleTenant == nil)
        #expect(throws: Never.self) { try authorizer.requireScope(both, tenant: Self.acme) }
        #expect(throws: Never.self) { try authorizer.requireScope(both, tenant: Self.other) }
        let third = Tenant(id: UUID(), name: "third", displayName: "Third", createdAt: Date(timeIntervalSince1970: 0))
        #expect(throws: LifelineError.self) { try authorizer.requireScope(both, tenant: third) }
        #expect(throws: LifelineError.self) { try authorizer.require(.tenantsManage, both) }
        #expect(throws: LifelineError.self) { try authorizer.require(.serverManage, both) }
    }

    @Test("operator roles rank lowest first; the API-key roles have no rank")
    func ranks() {
        #expect(Role.operatorRoles.compactMap(\.operatorRank) == [0, 1, 2, 3, 4])
        #expect(Role.validate.operatorRank == nil && Role.admin.operatorRank == nil && Role.agent.operatorRank == nil)
        #expect(Role.tenantAdmin.rawValue == "tenant-admin")
    }

    @Test("creating a tenant needs a global principal, even an admin")
    func tenantsManageIsGlobal() {
        #expect(throws: Never.self) { try authorizer.require(.tenantsManage, Self.key(.admin)) }
        #expect(throws: LifelineError.self) { try authorizer.require(.tenantsManage, Self.key(.admin, tenant: Self.acme)) }
    }

    @Test("tenant scope: a global principal reaches every tenant; a scoped one its own only, and never an unknown one",
          arguments: Role.allCases)
    func scope(_ role: Role) {
        let global = Self.key(role), scoped = Self.key(role, tenant: Self.acme)
        #expect(throws: Never.self) { try authorizer.requireScope(global, tenant: Self.other) }
        #expect(throws: Never.self) { try authorizer.requireScope(global, tenant: nil) }
        #expect(throws: Never.self) { try authorizer.requireScope(scoped, tenant: Self.acme) }
        #expect(throws: LifelineError.self) { try authorizer.requireScope(scoped, tenant: Self.other) }
        #expect(throws: LifelineError.self) { try authorizer.requireScope(scoped, tenant: nil) }
    }

    @Test("a key is never made with more than its maker holds; an admin may make every role")
    func grants() {
        for role in Role.allCases where role != .agent {
            #expect(throws: Never.self) { try authorizer.requireGrant(role, by: .cli) }
            #expect(throws: Never.self) { try authorizer.requireGrant(role, by: Self.key(.admin)) }
        }
        // An agent's key is made only with its agent record (OfflineService.registerAgent), never as a plain key.
        #expect(throws: LifelineError.self) { try authorizer.requireGrant(.agent, by: .cli) }
        #expect(throws: LifelineError.self) { try authorizer.requireGrant(.agent, by: Self.key(.admin)) }
        #expect(throws: LifelineError.self) { try authorizer.requireGrant(.admin, by: Self.key(.helpdesk)) }
        #expect(throws: LifelineError.self) { try authorizer.requireGrant(.helpdesk, by: Self.key(.auditor)) }
        #expect(throws: LifelineError.self) { try authorizer.requireGrant(.auditor, by: Self.key(.helpdesk)) }
    }

    @Test("a principal's audit actor is its identity as the audit log always wrote it")
    func actors() {
        #expect(Self.key(.admin).actor == "apikey:AbCdEf123456")
        #expect(Principal.cli.actor == "cli")
        #expect(Principal.flowUser(source: "192.0.2.1").actor == "anonymous")
        #expect(Principal.flowUser(source: "192.0.2.1").roles.isEmpty)
        #expect(Principal(.operator(name: "olga"), roles: [.helpdesk]).actor == "operator:olga")
        #expect(Principal(actor: "apikey:x", scope: .validate).identity == .apiKey(id: "x"))
        #expect(Principal(actor: "demo", scope: .admin).identity == .system("demo"))
        #expect(Principal(actor: "anonymous", scope: .validate).identity == .flowUser)
    }
}
