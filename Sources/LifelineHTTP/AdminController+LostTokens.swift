import Foundation
import Hummingbird
import LifelineCore

/// Admin routes of the lost-token temporary replacement (docs/lost-token.md): mark a token lost (the only answer that
/// shows the temporary code) and end its code.
struct AdminLostTokenController {
    let admin: AdminService

    /// The temporary code of a token marked lost, shown this once.
    struct LostOut: Encodable {
        let code: String
        let expiresAt: Date
        let tokenId: String
        let username: String
        /// Whether the user types the token's PIN before the code.
        let withPin: Bool
    }

    func addRoutes(to group: RouterGroup<AuthenticatedRequestContext>) {
        group.post("/tenants/:tenant/tokens/:id/lost") { _, context in
            let issued = try await admin.markTokenLost(tenantName: try context.parameters.require("tenant"), tokenID: try tokenID(context),
                                                       caller: context.principal)
            return try JSON.response(LostOut(code: issued.code, expiresAt: issued.expiresAt, tokenId: issued.tokenID.uuidString.lowercased(),
                                             username: issued.username, withPin: issued.withPIN), status: .created)
        }
        group.delete("/tenants/:tenant/tokens/:id/lost") { _, context in
            try await admin.endLostToken(tenantName: try context.parameters.require("tenant"), tokenID: try tokenID(context),
                                         caller: context.principal)
            return Response(status: .noContent)
        }
    }

    private func tokenID(_ context: AuthenticatedRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("id")) else {
            throw APIError(.badRequest, "invalid_request", "token id must be a UUID")
        }
        return id
    }
}
