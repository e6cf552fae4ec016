import Hummingbird
import LifelineCore

/// `POST /api/v1/validate`: the API that login systems call.
struct ValidateController {
    let validation: ValidationService
    let metrics: HTTPMetrics

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("/validate") { request, context in
            let start = ContinuousClock.now
            let input = try await JSON.decode(DTO.ValidateIn.self, from: request)
            let accepted = try await validation.validate(tenantName: input.tenant, username: input.username, code: input.code,
                                                         caller: try context.requireCaller())
            metrics.recordValidation(accepted: accepted, duration: ContinuousClock.now - start)
            return try JSON.response(DTO.ResultOut(result: accepted ? "accept" : "reject"))
        }
    }
}
