import Foundation
import Hummingbird
import LifelineCore

/// The self-service recovery API (`/api/v1/recovery/flows`), in the style of Ory Kratos' self-service flows.
/// Public: the caller is the person recovering, so every route is behind the per-address rate limit instead of
/// an API key.
struct RecoveryController {
    let recovery: RecoveryService

    struct CreateIn: FlatJSONDecodable {
        var tenant: String; var username: String; var language: String?
        /// A pass from an earlier verified flow of this client (``FlowDocument/budgetPass``).
        var budgetPass: String?
        init?(flatJSON fields: [String: String]) {
            guard let tenant = fields["tenant"], let username = fields["username"] else { return nil }
            self.tenant = tenant; self.username = username; language = fields["language"]; budgetPass = fields["budget_pass"]
        }
    }
    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("/flows") { request, context in
            let input = try await JSON.decodeFlat(CreateIn.self, from: request)
            let doc = try await recovery.createFlow(tenantName: input.tenant, username: input.username, language: input.language,
                                                    source: context.sourceAddress, budgetPass: input.budgetPass)
            return try JSON.response(doc, status: .created)
        }
        group.get("/flows/:id") { request, context in
            try JSON.response(try await recovery.document(flowID: try flowID(context), language: request.uri.queryParameters.get("language").map { String($0) }))
        }
        group.post("/flows/:id") { request, context in
            let id = try flowID(context)
            let fields = try await JSON.decodeFlat([String: String].self, from: request)
            let doc = try await recovery.submit(flowID: id, fields: fields, language: request.uri.queryParameters.get("language").map { String($0) },
                                                source: context.sourceAddress)
            return try JSON.response(doc)
        }
        // Every action, one route: the action's fields come from the body, its result is written generically.
        group.post("/flows/:id/actions/:action") { request, context in
            let id = try flowID(context)
            let name = try context.parameters.require("action")
            var request = request
            let body = try await request.readBody(upTo: JSON.maxBodySize)
            // No body (or an empty one) is fine for actions that need no input.
            let fields = body.readableBytes == 0 ? DTO.ActionIn() : try JSON.decode(DTO.ActionIn.self, from: body)
            let input = try fields.input(fieldNames: recovery.actions.fieldNames)
            let result = try await recovery.useAction(flowID: id, action: name, input: input, source: context.sourceAddress)
            return try JSON.response(DTO.ActionOut(result))
        }
    }

    /// A flow id from the path; anything that is not a UUID is simply an unknown flow.
    func flowID(_ context: AppRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw LifelineError(.notFound, "no such recovery flow") }
        return id
    }
}
