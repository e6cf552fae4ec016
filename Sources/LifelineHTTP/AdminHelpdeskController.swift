import Foundation
import Hummingbird
import LifelineCore

/// Admin routes of the helpdesk (issue 15): the actions with their required reason, caller verification, and
/// four-eyes approvals. The console's helpdesk pages call the same ``HelpdeskService``.
struct AdminHelpdeskController {
    let helpdesk: HelpdeskService

    struct ActionIn: Decodable {
        let reason: String?
        let tokenId: String?
        let code1: String?, code2: String?
        let uses: Int?, lifetimeMinutes: Int?
        let contactId: String?
    }
    struct ContactIn: Decodable { let contactId: String? }
    struct CodeIn: Decodable { let code: String }

    func addRoutes(to group: RouterGroup<AuthenticatedRequestContext>) {
        group.post("/tenants/:tenant/users/:username/helpdesk/:action") { request, context in
            guard let action = HelpdeskAction(rawValue: try context.parameters.require("action")) else {
                throw APIError(.notFound, "not_found", "no such helpdesk action")
            }
            let input = try await JSON.decode(ActionIn.self, from: request)
            let req = HelpdeskRequest(action: action, reason: input.reason ?? "", tokenID: try Self.uuid(input.tokenId, "token_id"),
                                      code1: input.code1, code2: input.code2, uses: input.uses, lifetimeMinutes: input.lifetimeMinutes,
                                      contactID: try Self.uuid(input.contactId, "contact_id"))
            let tenant = try context.parameters.require("tenant")
            switch try await helpdesk.perform(tenantName: tenant, username: try context.parameters.require("username"), req, caller: context.principal) {
            case .done(let result):
                var response = try JSON.response(HelpdeskDTO.ResultOut(result))
                // Why no-store: a helpdesk code or a UBC is in the answer, shown this once.
                if result.code?.code != nil || result.ubc != nil { response.headers[.cacheControl] = "no-store" }
                return response
            case .pending(let pending): return try JSON.response(HelpdeskDTO.PendingOut(request: HelpdeskDTO.ApprovalOut(pending)), status: .accepted)
            }
        }
        group.get("/tenants/:tenant/users/:username/caller-verification") { _, context in
            let v = try await helpdesk.callerVerification(tenantName: try context.parameters.require("tenant"),
                                                          username: try context.parameters.require("username"), caller: context.principal)
            guard let v else { throw APIError(.notFound, "not_found", "no caller verification for this user by this caller") }
            return try JSON.response(HelpdeskDTO.VerificationOut(v))
        }
        group.post("/tenants/:tenant/users/:username/caller-verification") { request, context in
            let input = try await JSON.decode(ContactIn.self, from: request)
            let v = try await helpdesk.sendCallerCode(tenantName: try context.parameters.require("tenant"), username: try context.parameters.require("username"),
                                                      contactID: try Self.uuid(input.contactId, "contact_id"), caller: context.principal)
            return try JSON.response(HelpdeskDTO.VerificationOut(v), status: .accepted)
        }
        group.post("/tenants/:tenant/users/:username/caller-verification/check") { request, context in
            let input = try await JSON.decode(CodeIn.self, from: request)
            let result = try await helpdesk.checkCallerCode(tenantName: try context.parameters.require("tenant"),
                                                            username: try context.parameters.require("username"), code: input.code, caller: context.principal)
            switch result {
            case .verified(let until): return try JSON.response(HelpdeskDTO.CheckOut(verified: true, verifiedUntil: until, attemptsLeft: nil))
            case .wrong(let left): return try JSON.response(HelpdeskDTO.CheckOut(verified: false, verifiedUntil: nil, attemptsLeft: left))
            case .refused:
                throw APIError(.conflict, "conflict", "no code is waiting: none was sent, it expired, was used, or its attempts are used up; send a new one")
            }
        }
        group.get("/approvals") { request, context in
            let status = try request.uri.queryParameters.get("status").map { text -> ApprovalStatus in
                guard let s = ApprovalStatus(rawValue: String(text)) else { throw APIError(.badRequest, "invalid_request", "unknown status") }
                return s
            }
            let list = try await helpdesk.approvalRequests(caller: context.principal, status: status)
            return try JSON.response(["requests": list.map(HelpdeskDTO.ApprovalOut.init)])
        }
        group.get("/approvals/:id") { _, context in
            try JSON.response(HelpdeskDTO.ApprovalOut(try await helpdesk.approvalRequest(id: try Self.id(context), caller: context.principal)))
        }
        group.post("/approvals/:id/approve") { _, context in
            let id = try Self.id(context)
            let result = try await helpdesk.approve(id: id, caller: context.principal)
            let r = try await helpdesk.approvalRequest(id: id, caller: context.principal)
            return try JSON.response(HelpdeskDTO.ApprovedOut(request: HelpdeskDTO.ApprovalOut(r), result: HelpdeskDTO.ResultOut(result)))
        }
        group.post("/approvals/:id/reject") { _, context in
            try JSON.response(HelpdeskDTO.ApprovalOut(try await helpdesk.reject(id: try Self.id(context), caller: context.principal)))
        }
    }

    static func uuid(_ text: String?, _ field: String) throws -> UUID? {
        guard let text else { return nil }
        guard let id = UUID(uuidString: text) else { throw APIError(.badRequest, "invalid_request", "\(field) must be a UUID") }
        return id
    }

    static func id(_ context: AuthenticatedRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("id")) else {
            throw APIError(.badRequest, "invalid_request", "the approval request id must be a UUID")
        }
        return id
    }
}
