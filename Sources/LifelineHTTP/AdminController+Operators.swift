import Foundation
import Hummingbird
import LifelineCore

extension DTO {
    /// An operator as the admin API shows it: never its password hash, TOTP secret or fail counter.
    struct OperatorOut: Encodable {
        let name: String, role: String, state: String, tenants: [String], createdAt: Date, createdBy: String
        init(_ listing: OperatorListing) {
            name = listing.op.name; role = listing.op.role.rawValue; state = listing.op.state.rawValue; tenants = listing.tenants
            createdAt = listing.op.createdAt; createdBy = listing.op.createdBy
        }
    }
    struct OperatorIn: Decodable { let name: String; let role: Role; let tenants: [String]? }
    struct OperatorCreatedOut: Encodable { let `operator`: OperatorOut; let enrolmentUrl: String; let expiresAt: Date }
    struct OperatorsOut: Encodable { let operators: [OperatorOut] }
}

/// `/api/v1/admin/operators`: the console's operators through the admin API — list, create (answers the one-time
/// enrolment URL, shown only then), disable and enable. The same rules as the console (``OperatorService``): an API key
/// counts with its role (`admin` as a superuser), limited to its tenant.
struct AdminOperatorController {
    let operators: OperatorService
    let deps: HTTPDependencies

    func addRoutes(to group: RouterGroup<AuthenticatedRequestContext>) {
        group.get("/operators") { _, context in
            try JSON.response(DTO.OperatorsOut(operators: try await operators.list(caller: context.principal).map(DTO.OperatorOut.init)))
        }
        group.post("/operators") { request, context in
            let input = try await JSON.decode(DTO.OperatorIn.self, from: request)
            let created = try await operators.create(name: input.name, role: input.role, tenants: input.tenants ?? [], caller: context.principal)
            let listing = try await listing(created.op.name, context.principal)
            return try JSON.response(DTO.OperatorCreatedOut(operator: listing, enrolmentUrl: ConsoleLinks.base(deps: deps, request: request)
                                                                + "/console/enrol/" + created.enrolmentToken, expiresAt: created.expiresAt), status: .created)
        }
        group.post("/operators/:name/disable") { _, context in
            let op = try await operators.setDisabled(name: try context.parameters.require("name"), true, caller: context.principal)
            return try JSON.response(try await listing(op.name, context.principal))
        }
        group.post("/operators/:name/enable") { _, context in
            let op = try await operators.setDisabled(name: try context.parameters.require("name"), false, caller: context.principal)
            return try JSON.response(try await listing(op.name, context.principal))
        }
    }

    private func listing(_ name: String, _ caller: Principal) async throws -> DTO.OperatorOut {
        guard let entry = try await operators.list(caller: caller).first(where: { $0.op.name == name }) else {
            throw LifelineError(.notFound, "no such operator")
        }
        return DTO.OperatorOut(entry)
    }
}
