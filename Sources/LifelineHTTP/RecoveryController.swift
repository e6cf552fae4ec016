import Foundation
import Hummingbird
import LifelineCore

/// The self-service recovery API (`/api/v1/recovery/flows`), in the style of Ory Kratos' self-service flows.
/// Public: the caller is the person recovering, so every route is behind the per-address rate limit instead of
/// an API key.
struct RecoveryController {
    let recovery: RecoveryService

    struct CreateIn: Decodable { var tenant: String; var username: String; var language: String? }
    struct RedirectOut: Encodable { var redirectTo: String }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("/flows") { request, context in
            let input = try await JSON.decode(CreateIn.self, from: request)
            let doc = try await recovery.createFlow(tenantName: input.tenant, username: input.username, language: input.language,
                                                    source: context.sourceAddress)
            return try JSON.response(doc, status: .created)
        }
        group.get("/flows/:id") { request, context in
            try JSON.response(try await recovery.document(flowID: try flowID(context), language: request.uri.queryParameters.get("language").map { String($0) }))
        }
        group.post("/flows/:id") { request, context in
            let id = try flowID(context)
            let fields = try await JSON.decode([String: String].self, from: request)
            let doc = try await recovery.submit(flowID: id, fields: fields, language: request.uri.queryParameters.get("language").map { String($0) },
                                                source: context.sourceAddress)
            return try JSON.response(doc)
        }
        group.post("/flows/:id/actions/:action") { _, context in
            let outcome = try await recovery.useAction(flowID: try flowID(context), action: try context.parameters.require("action"),
                                                       source: context.sourceAddress)
            switch outcome {
            case .redirect(let url): return try JSON.response(RedirectOut(redirectTo: url))
            }
        }
    }

    /// A flow id from the path; anything that is not a UUID is simply an unknown flow.
    func flowID(_ context: AppRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw LifelineError(.notFound, "no such recovery flow") }
        return id
    }
}
