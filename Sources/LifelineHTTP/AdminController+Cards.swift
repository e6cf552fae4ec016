import Foundation
import Hummingbird
import LifelineCore

/// Admin routes for users' smart cards (PIN unblock): import with the admin key, list, delete. The key goes in
/// once and never comes out: no response carries it.
struct AdminCardController {
    let admin: AdminService

    struct CardIn: Decodable { var serial: String; var algorithm: String; var key: String }

    struct CardOut: Encodable {
        let id: String, tenant: String, username: String, serial: String, algorithm: String, createdAt: Date
        init(_ c: SmartCard, tenant: String, username: String) {
            id = c.id.uuidString.lowercased(); self.tenant = tenant; self.username = username; serial = c.serial
            algorithm = c.algorithm.rawValue; createdAt = c.createdAt
        }
    }

    struct CardList: Encodable { let cards: [CardOut] }

    func addRoutes(to group: RouterGroup<AuthenticatedRequestContext>) {
        group.post("/tenants/:tenant/users/:username/cards") { request, context in
            let input = try await JSON.decode(CardIn.self, from: request)
            let tenantName = try context.parameters.require("tenant")
            let algorithm = try CardKeyAlgorithm.parse(input.algorithm)
            let (card, username) = try await admin.importCard(tenantName: tenantName, username: try context.parameters.require("username"),
                                                              serial: input.serial, algorithm: algorithm, keyHex: input.key,
                                                              caller: context.principal)
            return try JSON.response(CardOut(card, tenant: tenantName, username: username), status: .created)
        }
        group.get("/tenants/:tenant/cards") { _, context in
            try await list(context, username: nil)
        }
        group.get("/tenants/:tenant/users/:username/cards") { _, context in
            try await list(context, username: try context.parameters.require("username"))
        }
        group.delete("/tenants/:tenant/cards/:serial") { _, context in
            try await admin.deleteCard(tenantName: try context.parameters.require("tenant"), serial: try context.parameters.require("serial"),
                                       caller: context.principal)
            return Response(status: .noContent)
        }
    }

    private func list(_ context: AuthenticatedRequestContext, username: String?) async throws -> Response {
        let (tenant, cards, names) = try await admin.listCards(tenantName: try context.parameters.require("tenant"), username: username,
                                                               caller: context.principal)
        return try JSON.response(CardList(cards: cards.map { CardOut($0, tenant: tenant.name, username: names[$0.userID] ?? "") }))
    }
}
