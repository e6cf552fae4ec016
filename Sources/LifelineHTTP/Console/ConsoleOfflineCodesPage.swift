import Foundation
import Hummingbird
import LifelineCore

/// "Manage emergency access tokencodes" of a token (seed 003, issue 17), at
/// `/console/users/{tenant}/{username}/tokens/{id}/offline-codes`: the current offline emergency access tokencode
/// (the `tokencode` kind: with the PIN for a PIN token, without PIN for an app token) and offline emergency passcode
/// (replaces PIN and tokencode), their expiry, whether downloaded; with `offline_codes.manage` the checkboxes "Reset
/// offline emergency access tokencode" and "Use offline code for online access" and Save.
struct ConsoleOfflineCodesPage {
    let env: ConsoleEnvironment
    var renderer: ConsoleRenderer { env.renderer }

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get("/users/:tenant/:username/tokens/:id/offline-codes") { request, context in
            let (tenant, username, id) = try target(context)
            try Authorizer().require(.offlineCodesRead, context.principal)
            // Why re-authentication: the page shows codes that stand in for the user's token (and PIN); as for a UBC,
            // a console left open must not be enough to read them.
            if let r = ConsoleReauth.required(context, env: env, next: Self.path(tenant, username, id)) { return r }
            let view = try await env.deps.offline.emergencyCodes(tenantName: tenant, tokenID: id, caller: context.principal)
            return page(context, tenant: tenant, username: username, view: view, saved: request.uri.queryParameters.get("saved") == "1")
        }
        group.post("/users/:tenant/:username/tokens/:id/offline-codes") { _, context in
            let (tenant, username, id) = try target(context)
            try Authorizer().require(.offlineCodesManage, context.principal)
            let path = Self.path(tenant, username, id)
            if let r = ConsoleReauth.required(context, env: env, next: path) { return r }
            // A checkbox is sent only when ticked: absent means off.
            let online = context.form["online_use"] == "on"
            var view = try await env.deps.offline.emergencyCodes(tenantName: tenant, tokenID: id, caller: context.principal)
            if context.form["reset"] == "on" {
                view = try await env.deps.offline.resetEmergencyCodes(tenantName: tenant, tokenID: id, caller: context.principal)
            }
            // Only a change is written (each switch is audited, and switching on notifies the user).
            if online != view.onlineUse {
                _ = try await env.deps.offline.setEmergencyOnlineUse(tenantName: tenant, tokenID: id, on: online, caller: context.principal)
            }
            return ConsoleRenderer.redirect(path + "?saved=1")
        }
    }

    /// The tenant, username and token id the path names (a token id that is no UUID names nothing: 404).
    func target(_ context: ConsoleRequestContext) throws -> (String, String, UUID) {
        let (tenant, username) = try ConsoleAuthenticatorPage(env: env).names(context)
        guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw LifelineError(.notFound, "no such token") }
        return (tenant, username, id)
    }

    static func path(_ tenant: String, _ username: String, _ id: UUID) -> String {
        ConsoleUserAdminPages.userPath(tenant, username) + "/tokens/" + id.uuidString.lowercased() + "/offline-codes"
    }

    func page(_ context: ConsoleRequestContext, tenant: String, username: String, view: OfflineEmergencyView, saved: Bool) -> Response {
        let lang = context.language
        var data: [String: Any] = [
            "tenant": tenant, "username": username, "token_id": view.tokenID.uuidString.lowercased(),
            "back": ConsoleUserAdminPages.userPath(tenant, username), "action": Self.path(tenant, username, view.tokenID),
            "permitted": view.permitted, "has_codes": view.tokencode != nil || view.passcode != nil,
            "tokencode": view.tokencode ?? "–", "passcode": view.passcode ?? "–",
            "tokencode_kind": renderer.text(view.needsPIN ? "offline_codes_with_pin" : "offline_codes_without_pin", lang),
            "expires": view.expiresAt.map { ConsoleFormat.time($0, lang) } ?? "–",
            "downloaded": renderer.text(view.downloaded ? "pages_yes" : "pages_no", lang),
            "online_use": view.onlineUse, "online_text": renderer.text(view.onlineUse ? "pages_yes" : "pages_no", lang),
            "may_manage": Authorizer().allows(context.principal, .offlineCodesManage),
        ]
        if saved { data["info"] = renderer.text("offline_codes_saved", lang) }
        return ConsoleAuthenticatorPage.once("console_offline_codes", title: renderer.text("offline_codes_title", lang), renderer: renderer,
                                             context: context, data: data)
    }
}
