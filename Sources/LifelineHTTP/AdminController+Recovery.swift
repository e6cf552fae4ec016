import Foundation
import Hummingbird
import LifelineCore
import NIOCore

/// Admin routes for a tenant's recovery configuration and users' security answers.
struct AdminRecoveryController {
    let admin: AdminService

    struct AnswersIn: Decodable { var answers: [String: String] }
    struct AnswersOut: Encodable { var questionIds: [String] }
    struct ApplyOut: Encodable { var changed: Bool }

    /// `methods.0.type` from a coding path (list positions as numbers, not "Index 0").
    static func path(_ keys: [any CodingKey]) -> String { keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }

    /// The configuration's own coding keys are snake_case already, so it is decoded without key conversion; unknown
    /// keys are refused (``ConfigKeyCheck``), unlike in the other request bodies.
    static let plainDecoder: JSONDecoder = {
        let d = JSONDecoder()
        d.userInfo[ConfigKeyCheck.strict] = true
        return d
    }()

    func addRoutes(to group: RouterGroup<AuthenticatedRequestContext>) {
        group.get("/tenants/:tenant/recovery") { _, context in
            try JSON.response(try await admin.recoveryConfig(tenantName: try context.parameters.require("tenant"), caller: context.principal))
        }
        group.put("/tenants/:tenant/recovery") { request, context in
            var request = request
            let buffer = try await request.readBody(upTo: JSON.maxBodySize)
            let config: RecoveryConfig
            do { config = try Self.plainDecoder.decode(RecoveryConfig.self, from: Data(buffer: buffer)) } catch let problem as ConfigProblem {
                // A key the tenant may not write (a directory connection's URL, CA file, bind secret...), named.
                throw APIError(.badRequest, "invalid_request", problem.description)
            } catch let DecodingError.keyNotFound(key, ctx) {
                throw APIError(.badRequest, "invalid_request", "\(Self.path(ctx.codingPath + [key])) is required")
            } catch let DecodingError.typeMismatch(_, ctx) {
                throw APIError(.badRequest, "invalid_request", "\(Self.path(ctx.codingPath)) has the wrong type")
            } catch let DecodingError.dataCorrupted(ctx) where !ctx.codingPath.isEmpty {
                throw APIError(.badRequest, "invalid_request", "\(Self.path(ctx.codingPath)) has an invalid value")
            } catch {
                throw APIError(.badRequest, "invalid_json", "the request body is not valid JSON of the expected shape")
            }
            let changed = try await admin.applyRecoveryConfig(tenantName: try context.parameters.require("tenant"), config, caller: context.principal)
            return try JSON.response(ApplyOut(changed: changed))
        }
        group.put("/tenants/:tenant/users/:username/answers") { request, context in
            let input = try await JSON.decode(AnswersIn.self, from: request)
            try await admin.setSecurityAnswers(tenantName: try context.parameters.require("tenant"), username: try context.parameters.require("username"),
                                               answers: input.answers, caller: context.principal)
            return Response(status: .noContent)
        }
        group.get("/tenants/:tenant/users/:username/answers") { _, context in
            let ids = try await admin.answeredQuestions(tenantName: try context.parameters.require("tenant"),
                                                        username: try context.parameters.require("username"), caller: context.principal)
            return try JSON.response(AnswersOut(questionIds: ids))
        }
    }
}
