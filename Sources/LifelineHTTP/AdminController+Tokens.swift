import Foundation
import Hummingbird
import LifelineCore

extension AdminController {
    func addTokenRoutes(to group: RouterGroup<AuthenticatedRequestContext>) {
        group.post("/tenants/:tenant/users/:username/tokens") { request, context in
            let input = try await JSON.decode(DTO.TokenIn.self, from: request)
            var req = EnrollmentRequest(type: input.type)
            if let a = input.algorithm { req.algorithm = a }
            if let d = input.digits { req.digits = d }
            if let p = input.period { req.period = p }
            if let c = input.counter { req.counter = c }
            req.secretBase32 = input.secret
            req.label = input.label ?? ""
            req.pin = input.pin
            let username = try context.parameters.require("username")
            let tenantName = try context.parameters.require("tenant")
            let enrollment = try await admin.enrollToken(tenantName: tenantName, username: username, req, caller: context.principal)
            return try JSON.response(DTO.EnrollmentOut(token: DTO.TokenOut(t: enrollment.token, tenant: tenantName, username: enrollment.username),
                                                       otpauthUri: enrollment.otpauthURI), status: .created)
        }
        group.get("/tenants/:tenant/tokens") { request, context in
            let (tenant, tokens, names) = try await admin.listTokens(tenantName: try context.parameters.require("tenant"),
                                                                     username: request.uri.queryParameters.get("username").map { String($0) },
                                                                     caller: context.principal)
            return try JSON.response(["tokens": tokens.map { DTO.TokenOut(t: $0, tenant: tenant.name, username: names[$0.userID] ?? "") }])
        }
        group.get("/tenants/:tenant/tokens/:id") { _, context in
            let (tenant, stored) = try await admin.token(tenantName: try context.parameters.require("tenant"), id: try tokenID(context),
                                                         caller: context.principal)
            return try JSON.response(try await out(stored.token, tenant: tenant, caller: context.principal))
        }
        for change in [AdminService.TokenStateChange.disable, .enable, .reset] {
            group.post("/tenants/:tenant/tokens/:id/\(change.rawValue)") { _, context in
                let caller = context.principal
                let tenantName = try context.parameters.require("tenant")
                let token = try await admin.changeTokenState(tenantName: tenantName, id: try tokenID(context), change, caller: caller)
                return try JSON.response(try await out(token, tenant: try await admin.tenant(tenantName, caller: caller), caller: caller))
            }
        }
        // The token's PIN: set (which also unblocks it) or removed. The answer is the token, never the PIN.
        group.put("/tenants/:tenant/tokens/:id/pin") { request, context in
            let input = try await JSON.decode(DTO.TokenPINIn.self, from: request)
            let caller = context.principal
            let tenantName = try context.parameters.require("tenant")
            let token = try await admin.setTokenPIN(tenantName: tenantName, id: try tokenID(context), pin: input.pin, caller: caller)
            return try JSON.response(try await out(token, tenant: try await admin.tenant(tenantName, caller: caller), caller: caller))
        }
        group.delete("/tenants/:tenant/tokens/:id/pin") { _, context in
            let caller = context.principal
            let tenantName = try context.parameters.require("tenant")
            let token = try await admin.setTokenPIN(tenantName: tenantName, id: try tokenID(context), pin: nil, caller: caller)
            return try JSON.response(try await out(token, tenant: try await admin.tenant(tenantName, caller: caller), caller: caller))
        }
        group.post("/tenants/:tenant/tokens/:id/resync") { request, context in
            let input = try await JSON.decode(DTO.ResyncIn.self, from: request)
            let caller = context.principal
            let tenantName = try context.parameters.require("tenant")
            let token = try await admin.resyncToken(tenantName: tenantName, id: try tokenID(context), code1: input.code1, code2: input.code2, caller: caller)
            return try JSON.response(try await out(token, tenant: try await admin.tenant(tenantName, caller: caller), caller: caller))
        }
        group.post("/tenants/:tenant/tokens/:id/check") { request, context in
            let input = try await JSON.decode(DTO.CheckIn.self, from: request)
            let caller = context.principal
            let tenant = try await admin.tenant(try context.parameters.require("tenant"), caller: caller)
            let result = try await validation.checkToken(tenant: tenant, tokenID: try tokenID(context), code: input.code, caller: caller)
            return try JSON.response(DTO.ResultOut(result: result.rawValue))
        }
        group.delete("/tenants/:tenant/tokens/:id") { _, context in
            try await admin.deleteToken(tenantName: try context.parameters.require("tenant"), id: try tokenID(context), caller: context.principal)
            return Response(status: .noContent)
        }
    }

    private func tokenID(_ context: AuthenticatedRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("id")) else {
            throw APIError(.badRequest, "invalid_request", "token id must be a UUID")
        }
        return id
    }

    private func out(_ token: Token, tenant: Tenant, caller: Caller) async throws -> DTO.TokenOut {
        DTO.TokenOut(t: token, tenant: tenant.name, username: try await admin.username(of: token))
    }
}
