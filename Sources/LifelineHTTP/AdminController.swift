import Foundation
import Hummingbird
import LifelineCore

/// The admin API: tenants, users, contacts (this file) and tokens and audit (`AdminController+Tokens.swift`).
struct AdminController {
    let admin: AdminService
    let validation: ValidationService
    /// The core's clock (a key's state, active or expired, is shown as of now).
    let clock: any LifelineClock

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("/tenants") { request, context in
            let input = try await JSON.decode(DTO.TenantIn.self, from: request)
            let tenant = try await admin.createTenant(name: input.name, displayName: input.displayName, caller: try context.requireCaller())
            return try JSON.response(DTO.TenantOut(tenant), status: .created)
        }
        group.get("/tenants") { _, context in
            let tenants = try await admin.listTenants(caller: try context.requireCaller())
            return try JSON.response(["tenants": tenants.map(DTO.TenantOut.init)])
        }
        group.post("/tenants/:tenant/users") { request, context in
            let input = try await JSON.decode(DTO.UserIn.self, from: request)
            var new = AdminService.NewUser(username: input.username)
            new.displayName = input.displayName; new.language = input.language; new.status = input.status
            let tenantName = try context.parameters.require("tenant")
            let caller = try context.requireCaller()
            let user = try await admin.createUser(tenantName: tenantName, new, caller: caller)
            return try JSON.response(DTO.UserOut(user, tenant: try await admin.tenant(tenantName, caller: caller)), status: .created)
        }
        group.get("/tenants/:tenant/users") { _, context in
            let (tenant, users) = try await admin.listUsers(tenantName: try context.parameters.require("tenant"), caller: try context.requireCaller())
            return try JSON.response(["users": users.map { DTO.UserOut($0, tenant: tenant) }])
        }
        group.get("/tenants/:tenant/users/:username") { _, context in
            let (tenant, user) = try await admin.user(tenantName: try context.parameters.require("tenant"),
                                                      username: try context.parameters.require("username"), caller: try context.requireCaller())
            return try JSON.response(DTO.UserOut(user, tenant: tenant))
        }
        group.patch("/tenants/:tenant/users/:username") { request, context in
            let input = try await JSON.decode(DTO.UserPatchIn.self, from: request)
            let (tenant, user) = try await admin.updateUser(tenantName: try context.parameters.require("tenant"),
                                                            username: try context.parameters.require("username"),
                                                            displayName: input.displayName, status: input.status, language: input.language,
                                                            caller: try context.requireCaller())
            return try JSON.response(DTO.UserOut(user, tenant: tenant))
        }
        group.post("/tenants/:tenant/users/:username/contacts") { request, context in
            let input = try await JSON.decode(DTO.ContactIn.self, from: request)
            let contact = try await admin.addContact(tenantName: try context.parameters.require("tenant"),
                                                     username: try context.parameters.require("username"), kind: input.kind,
                                                     value: input.value, verified: input.verified ?? false, caller: try context.requireCaller())
            return try JSON.response(DTO.ContactOut(contact), status: .created)
        }
        group.get("/tenants/:tenant/users/:username/contacts") { _, context in
            let contacts = try await admin.contacts(tenantName: try context.parameters.require("tenant"),
                                                    username: try context.parameters.require("username"), caller: try context.requireCaller())
            return try JSON.response(["contacts": contacts.map(DTO.ContactOut.init)])
        }
        group.get("/audit") { request, context in
            let caller = try context.requireCaller()
            let limitText = request.uri.queryParameters.get("limit")
            guard let limit = limitText.map({ Int($0) }) ?? 100, (1...1000).contains(limit) else {
                throw APIError(.badRequest, "invalid_request", "limit must be an integer from 1 to 1000")
            }
            var tenantName = request.uri.queryParameters.get("tenant")
            if let name = tenantName {
                tenantName = try await admin.tenant(name, caller: caller).name
            } else if caller.tenantID != nil {
                throw APIError(.badRequest, "invalid_request", "a tenant key must name its tenant")
            }
            let events = try await admin.recentEvents(tenantName: tenantName, limit: limit, caller: caller)
            return try JSON.response(["events": events.map(DTO.AuditEventOut.init)])
        }
        addTokenRoutes(to: group)
        addAPIKeyRoutes(to: group)
    }
}
