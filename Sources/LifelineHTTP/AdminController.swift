import Foundation
import Hummingbird
import LifelineCore

/// The admin API: tenants, users, contacts (this file) and tokens and audit (`AdminController+Tokens.swift`).
struct AdminController {
    let admin: AdminService
    let validation: ValidationService
    /// The core's clock (a key's state, active or expired, is shown as of now).
    let clock: any LifelineClock

    func addRoutes(to group: RouterGroup<AuthenticatedRequestContext>) {
        group.post("/tenants") { request, context in
            let input = try await JSON.decode(DTO.TenantIn.self, from: request)
            let tenant = try await admin.createTenant(name: input.name, displayName: input.displayName, caller: context.principal)
            return try JSON.response(DTO.TenantOut(tenant), status: .created)
        }
        group.get("/tenants") { _, context in
            let tenants = try await admin.listTenants(caller: context.principal)
            return try JSON.response(["tenants": tenants.map(DTO.TenantOut.init)])
        }
        group.post("/tenants/:tenant/users") { request, context in
            let input = try await JSON.decode(DTO.UserIn.self, from: request)
            var new = AdminService.NewUser(username: input.username)
            new.displayName = input.displayName; new.language = input.language; new.status = input.status
            let tenantName = try context.parameters.require("tenant")
            let caller = context.principal
            let user = try await admin.createUser(tenantName: tenantName, new, caller: caller)
            return try JSON.response(DTO.UserOut(user, tenant: try await admin.tenant(tenantName, caller: caller)), status: .created)
        }
        group.get("/tenants/:tenant/users") { _, context in
            let (tenant, users) = try await admin.listUsers(tenantName: try context.parameters.require("tenant"), caller: context.principal)
            return try JSON.response(["users": users.map { DTO.UserOut($0, tenant: tenant) }])
        }
        group.get("/tenants/:tenant/users/:username") { _, context in
            let (tenant, user) = try await admin.user(tenantName: try context.parameters.require("tenant"),
                                                      username: try context.parameters.require("username"), caller: context.principal)
            return try JSON.response(DTO.UserOut(user, tenant: tenant))
        }
        group.patch("/tenants/:tenant/users/:username") { request, context in
            let input = try await JSON.decode(DTO.UserPatchIn.self, from: request)
            let (tenant, user) = try await admin.updateUser(tenantName: try context.parameters.require("tenant"),
                                                            username: try context.parameters.require("username"),
                                                            displayName: input.displayName, status: input.status, language: input.language,
                                                            caller: context.principal)
            return try JSON.response(DTO.UserOut(user, tenant: tenant))
        }
        group.post("/tenants/:tenant/users/:username/contacts") { request, context in
            let input = try await JSON.decode(DTO.ContactIn.self, from: request)
            let contact = try await admin.addContact(tenantName: try context.parameters.require("tenant"),
                                                     username: try context.parameters.require("username"), kind: input.kind,
                                                     value: input.value, verified: input.verified ?? false, caller: context.principal)
            return try JSON.response(DTO.ContactOut(contact), status: .created)
        }
        group.get("/tenants/:tenant/users/:username/contacts") { _, context in
            let contacts = try await admin.contacts(tenantName: try context.parameters.require("tenant"),
                                                    username: try context.parameters.require("username"), caller: context.principal)
            return try JSON.response(["contacts": contacts.map(DTO.ContactOut.init)])
        }
        group.delete("/tenants/:tenant/users/:username/contacts/:id") { _, context in
            guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw LifelineError(.notFound, "no such contact") }
            try await admin.removeContact(tenantName: try context.parameters.require("tenant"), username: try context.parameters.require("username"),
                                          id: id, caller: context.principal)
            return Response(status: .noContent)
        }
        group.get("/audit") { request, context in
            let limitText = request.uri.queryParameters.get("limit")
            guard let limit = limitText.map({ Int($0) }) ?? 100, (1...1000).contains(limit) else {
                throw APIError(.badRequest, "invalid_request", "limit must be an integer from 1 to 1000")
            }
            let events = try await admin.auditEvents(tenantName: request.uri.queryParameters.get("tenant").map { String($0) }, limit: limit,
                                                     caller: context.principal)
            return try JSON.response(["events": events.map(DTO.AuditEventOut.init)])
        }
        addTokenRoutes(to: group)
        addAPIKeyRoutes(to: group)
    }
}
