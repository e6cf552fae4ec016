import Foundation
import Hummingbird
import LifelineCore

/// Admin routes of the Lifeline Authenticator (issue 16): issue an activation, and read a user's apps and states.
/// Block PIN, Display UBC and Reset PIN with the user present are helpdesk actions (`.../helpdesk/pin_block`, …,
/// ``AdminHelpdeskController``). Permissions (`authenticators.manage`, `authenticators.read`) are the service's.
struct AdminAuthenticatorController {
    let deps: HTTPDependencies
    var authenticator: AuthenticatorService { deps.authenticator }

    struct ActivationOut: Encodable {
        let tenant: String, username: String
        /// `lifeline://activate?...`: shown once (it holds the single-use code), never stored.
        let uri: String
        let expiresAt: Date
        init(_ a: IssuedActivation) { tenant = a.tenant; username = a.username; uri = a.uri; expiresAt = a.expiresAt }
    }

    struct DeviceOut: Encodable {
        let deviceId: String, name: String, model: String, activatedAt: Date, lastSeenAt: Date?, state: String
        let pinBlocked: Bool, pinFailures: Int
        init(_ d: AuthenticatorDeviceView) {
            deviceId = d.deviceID.uuidString.lowercased(); name = d.name; model = d.model; activatedAt = d.activatedAt
            lastSeenAt = d.lastSeenAt; state = d.state; pinBlocked = d.pinBlocked; pinFailures = d.pinFailures
        }
    }

    struct UBCOut: Encodable { let state: String, expiresAt: Date?, failures: Int }

    struct StateOut: Encodable {
        let tenant: String, username: String
        let blocked: Bool, pinBlocked: Bool
        let ubc: UBCOut
        let pinResetOpenUntil: Date?
        let devices: [DeviceOut]
        init(_ s: AuthenticatorUserState, tenant: String, username: String) {
            self.tenant = tenant; self.username = username; blocked = s.blocked; pinBlocked = s.pinBlocked
            ubc = UBCOut(state: s.ubcState, expiresAt: s.ubcExpiresAt, failures: s.ubcFailures)
            pinResetOpenUntil = s.pinResetOpenUntil; devices = s.devices.map(DeviceOut.init)
        }
    }

    func addRoutes(to group: RouterGroup<AuthenticatedRequestContext>) {
        group.post("/tenants/:tenant/users/:username/authenticator/activations") { request, context in
            // The base URL the app will call: `server.publicURL`, else this request's scheme and host (as the
            // console's enrolment links; configure `server.publicURL` behind a proxy).
            let issued = try await authenticator.issueActivation(tenantName: try context.parameters.require("tenant"),
                                                                 username: try context.parameters.require("username"),
                                                                 serverURL: ConsoleLinks.base(deps: deps, request: request), caller: context.principal)
            var response = try JSON.response(ActivationOut(issued), status: .created)
            // Why no-store: the URI holds the single-use activation code.
            response.headers[.cacheControl] = "no-store"
            return response
        }
        group.get("/tenants/:tenant/users/:username/authenticator") { _, context in
            let tenant = try context.parameters.require("tenant"), username = try context.parameters.require("username")
            let state = try await authenticator.userState(tenantName: tenant, username: username, caller: context.principal)
            return try JSON.response(StateOut(state, tenant: tenant, username: username))
        }
    }
}
