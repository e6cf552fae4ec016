import Foundation
import Hummingbird
import LifelineAuthenticatorKit
import LifelineCore
import NIOCore

/// The laptop agents' API (issue 17, ``OfflineWire``): `POST /api/v1/agent/authenticate` (an online authentication
/// that brings the user's offline data for the machine) and `POST /api/v1/agent/refill` (new data for a refill token).
/// Behind ``APIKeyMiddleware`` (no key or a wrong one → 401); that the key has the `agent` role, belongs to a live
/// agent, and what the answer is, the core's ``OfflineService`` decides (another role → 403).
///
/// Every outcome of a well-formed request is a 200 with ``OfflineWire/AuthenticateResponse`` (`accept`, `reject`,
/// `refilled`, `revoked`); a `reject` is the same bytes for an unknown user as for a wrong passcode, because the
/// service gives the same value and it is encoded the same way. The passcode is in the body, which no log writes
/// (``AccessLogMiddleware`` logs the method and path only).
struct AgentAPIController {
    let deps: HTTPDependencies

    func addRoutes(to group: RouterGroup<AuthenticatedRequestContext>) {
        group.post("/authenticate") { request, context in
            // Why the exact decoder: the wire types spell their snake_case keys themselves (refill_token, …).
            let input = try await JSON.decodeExact(OfflineWire.AuthenticateRequest.self, from: request)
            return try Self.response(try await deps.offline.authenticate(input, caller: context.principal))
        }
        group.post("/refill") { request, context in
            let input = try await JSON.decodeExact(OfflineWire.RefillRequest.self, from: request)
            return try Self.response(try await deps.offline.refill(input, caller: context.principal))
        }
    }

    /// The wire answer as JSON with the Kit's own keys (the API's snake_case converter would not touch them anyway,
    /// but the agent decodes with the same `CodingKeys`, so one encoder on both sides). Why no-store: the answer holds
    /// the offline data and a refill token, each a secret of this machine.
    static func response(_ value: OfflineWire.AuthenticateResponse) throws -> Response {
        let data = try encoder.encode(value)
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
}
