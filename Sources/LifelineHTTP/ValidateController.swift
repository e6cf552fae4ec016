import Hummingbird
import LifelineCore
import NIOCore

/// `POST /api/v1/validate`: the API that login systems call.
struct ValidateController {
    let validation: ValidationService
    let metrics: HTTPMetrics

    func addRoutes(to group: RouterGroup<AuthenticatedRequestContext>) {
        group.post("/validate") { request, context in
            let start = ContinuousClock.now
            let input = try await JSON.decodeFlat(DTO.ValidateIn.self, from: request)
            let accepted = try await validation.validate(tenantName: input.tenant, username: input.username, code: input.code,
                                                         pin: input.pin, caller: context.principal)
            metrics.recordValidation(accepted: accepted, duration: ContinuousClock.now - start)
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: accepted ? Self.accept : Self.reject))
        }
    }

    /// The two possible answers, made once (the validation API is the hottest path); ValidateTests and LiveTests check
    /// them byte for byte. Every kind of reject is the same bytes, by construction.
    static let accept = ByteBuffer(string: #"{"result":"accept"}"#)
    static let reject = ByteBuffer(string: #"{"result":"reject"}"#)
}
