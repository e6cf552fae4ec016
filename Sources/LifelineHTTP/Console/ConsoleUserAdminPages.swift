import Foundation
import Hummingbird
import LifelineCore

/// The useradmin pages (issue 15: `useradmin` and above "also create and edit users, contacts, tokens and cards"):
///
/// - `/console/users/new`: create a user in one of the operator's tenants;
/// - `/console/users/{tenant}/{username}/edit`: display name, language and state; contacts added (with their verified
///   flag) and removed; tokens deleted; smart cards imported and deleted;
/// - `/console/users/{tenant}/{username}/tokens/new`: enroll a TOTP or HOTP token, its secret and QR code shown once.
///
/// Every change goes through the ``AdminService`` use case the admin API uses, so the same permission (`users.write`,
/// `tokens.write`, `cards.write`), tenant scope and audit record (actor `operator:<name>`) apply; the pages only ask
/// first so that a role without the permission gets a 403 page instead of a form it cannot send. Changes are
/// POST-redirect-GET; bad input shows the form again with a translated message.
struct ConsoleUserAdminPages {
    let env: ConsoleEnvironment
    var renderer: ConsoleRenderer { env.renderer }
    var admin: AdminService { env.deps.admin }

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get("/users/new") { _, context in try await newPage(context) }
        group.post("/users/new") { _, context in try await create(context) }
        group.get("/users/:tenant/:username/edit") { request, context in
            try await editPage(context, done: request.uri.queryParameters.get("done").map { String($0) })
        }
        group.post("/users/:tenant/:username/edit") { _, context in
            try await change(context, "profile", problem: "useradmin_error_profile") { t, u in
                let status = UserStatus(rawValue: context.form["status"] ?? "")
                _ = try await admin.updateUser(tenantName: t, username: u, displayName: context.form["display_name"], status: status,
                                               language: context.form["language"], caller: context.principal)
            }
        }
        group.post("/users/:tenant/:username/contacts") { _, context in
            try await change(context, "contact_added", problem: "useradmin_error_contact") { t, u in
                let kind = ContactKind(rawValue: context.form["kind"] ?? "") ?? .email
                _ = try await admin.addContact(tenantName: t, username: u, kind: kind, value: context.form["value"] ?? "",
                                               verified: context.form["verified"] != nil, caller: context.principal)
            }
        }
        group.post("/users/:tenant/:username/contacts/:id/delete") { _, context in
            try await change(context, "contact_removed", problem: nil) { t, u in
                guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw LifelineError(.notFound, "no such contact") }
                try await admin.removeContact(tenantName: t, username: u, id: id, caller: context.principal)
            }
        }
        group.get("/users/:tenant/:username/tokens/new") { _, context in
            let (t, u) = try names(context)
            if let r = ConsoleReauth.required(context, env: env, next: Self.userPath(t, u) + "/tokens/new") { return r }
            return try await enrolPage(context, errors: [])
        }
        group.post("/users/:tenant/:username/tokens/new") { _, context in try await enrol(context) }
        group.post("/users/:tenant/:username/tokens/:id/delete") { _, context in
            try await change(context, "token_deleted", problem: nil) { t, u in
                let id = try await ownToken(context, tenant: t, username: u)
                try await admin.deleteToken(tenantName: t, id: id, caller: context.principal)
            }
        }
        group.post("/users/:tenant/:username/cards") { _, context in
            try await change(context, "card_imported", problem: "useradmin_error_card") { t, u in
                let algorithm = CardKeyAlgorithm(rawValue: context.form["algorithm"] ?? "") ?? .aes128
                _ = try await admin.importCard(tenantName: t, username: u, serial: context.form["serial"] ?? "", algorithm: algorithm,
                                               keyHex: context.form["key"] ?? "", caller: context.principal)
            }
        }
        group.post("/users/:tenant/:username/cards/:serial/delete") { _, context in
            try await change(context, "card_deleted", problem: nil) { t, u in
                let serial = try context.parameters.require("serial")
                // Only a card of this user: the page names the user, so it must not delete another user's card.
                guard try await admin.listCards(tenantName: t, username: u, caller: context.principal).1.contains(where: { $0.serial == serial }) else {
                    throw LifelineError(.notFound, "no such card")
                }
                try await admin.deleteCard(tenantName: t, serial: serial, caller: context.principal)
            }
        }
    }

    // MARK: create

    func newPage(_ context: ConsoleRequestContext, errors: [String] = [], values: [String: String] = [:]) async throws -> Response {
        try Authorizer().require(.usersWrite, context.principal)
        let lang = context.language
        let tenants = try await env.deps.storage.tenants().filter { context.principal.mayAccess($0.id) }.sorted { $0.name < $1.name }
        let chosen = values["tenant"] ?? tenants.first?.name
        return renderer.page("console_user_new", title: renderer.text("useradmin_new_title", lang), context: context,
                             status: errors.isEmpty ? .ok : .badRequest, data: [
            "tenants": tenants.map { ["name": $0.name, "display": $0.displayName, "selected": $0.name == chosen] },
            "languages": languages(selected: values["language"] ?? lang),
            "username": values["username"] ?? "", "display_name": values["display_name"] ?? "",
            "errors": errors, "has_errors": !errors.isEmpty,
        ])
    }

    func create(_ context: ConsoleRequestContext) async throws -> Response {
        var new = AdminService.NewUser(username: (context.form["username"] ?? "").trimmingCharacters(in: .whitespaces))
        let display = (context.form["display_name"] ?? "").trimmingCharacters(in: .whitespaces)
        new.displayName = display.isEmpty ? nil : display
        new.language = context.form["language"]
        let tenant = context.form["tenant"] ?? ""
        do {
            let user = try await admin.createUser(tenantName: tenant, new, caller: context.principal)
            return ConsoleRenderer.redirect(editPath(tenant, user.username) + "?done=created")
        } catch let e as LifelineError where e.code == .invalidRequest || e.code == .conflict {
            let key = e.code == .conflict ? "useradmin_error_exists" : "useradmin_error_new"
            return try await newPage(context, errors: [renderer.text(key, context.language)], values: context.form)
        }
    }

    // MARK: edit

    func editPage(_ context: ConsoleRequestContext, done: String? = nil, errors: [String] = [], values: [String: String] = [:]) async throws -> Response {
        try Authorizer().require(.usersWrite, context.principal)
        let (t, u) = try names(context)
        let lang = context.language
        let (tenant, user) = try await admin.user(tenantName: t, username: u, caller: context.principal)
        let authorizer = Authorizer()
        let contacts = try await admin.contacts(tenantName: t, username: u, caller: context.principal)
        var data: [String: Any] = [
            "tenant": tenant.name, "tenant_display": tenant.displayName, "username": user.username,
            "edit_path": editPath(tenant.name, user.username), "details_path": Self.userPath(tenant.name, user.username), "user_path": Self.userPath(tenant.name, user.username),
            "display_name": values["display_name"] ?? user.displayName,
            "languages": languages(selected: values["language"] ?? user.language),
            "active": user.status == .active,
            "contacts": contacts.map { c -> [String: Any] in
                ["id": c.id.uuidString.lowercased(), "value": c.value, "kind": renderer.text("useradmin_kind_\(c.kind.rawValue)", lang),
                 "verified": renderer.text(c.verified ? "useradmin_verified_yes" : "useradmin_verified_no", lang)]
            },
            "contact_value": values["value"] ?? "",
            "errors": errors, "has_errors": !errors.isEmpty,
        ]
        if let done, ["created", "profile", "contact_added", "contact_removed", "token_deleted", "card_imported", "card_deleted"].contains(done) {
            data["notice"] = renderer.text("useradmin_done_\(done)", lang)
        }
        if authorizer.allows(context.principal, .tokensWrite) {
            let (_, tokens, _) = try await admin.listTokens(tenantName: t, username: user.username, caller: context.principal)
            data["may_tokens"] = true
            data["tokens"] = tokens.map { tok -> [String: Any] in
                ["id": tok.id.uuidString.lowercased(), "type": tok.type.rawValue.uppercased(), "label": tok.label,
                 "state": renderer.text("useradmin_token_\(tok.state.rawValue)", lang), "created": ConsoleFormat.time(tok.createdAt, lang)]
            }
        }
        if authorizer.allows(context.principal, .cardsWrite) {
            let (_, cards, _) = try await admin.listCards(tenantName: t, username: user.username, caller: context.principal)
            data["may_cards"] = true
            data["cards"] = cards.map { ["serial": $0.serial, "algorithm": $0.algorithm.rawValue.uppercased()] }
            data["algorithms"] = [CardKeyAlgorithm.aes128, .aes192, .aes256, .tripleDES].map { ["value": $0.rawValue, "label": $0.rawValue.uppercased()] }
            data["card_serial"] = values["serial"] ?? ""
        }
        return renderer.page("console_user_edit", title: renderer.text("useradmin_edit_title", lang, ["user": user.username]), context: context,
                             status: errors.isEmpty ? .ok : .badRequest, data: data)
    }

    /// Runs a change of the user the path names, then redirects to the edit page with `done`; bad input (when the form
    /// has a `problem` message) shows the edit page again with it and the typed values.
    func change(_ context: ConsoleRequestContext, _ done: String, problem: String?,
                _ body: (String, String) async throws -> Void) async throws -> Response {
        let (t, u) = try names(context)
        do {
            try await body(t, u)
        } catch let e as LifelineError where problem != nil && (e.code == .invalidRequest || e.code == .conflict) {
            return try await editPage(context, errors: [renderer.text(problem!, context.language)], values: context.form)
        }
        return ConsoleRenderer.redirect(editPath(t, u) + "?done=\(done)")
    }

    // MARK: tokens

    func enrolPage(_ context: ConsoleRequestContext, errors: [String]) async throws -> Response {
        try Authorizer().require(.tokensWrite, context.principal)
        let (t, u) = try names(context)
        let (tenant, user) = try await admin.user(tenantName: t, username: u, caller: context.principal)
        let lang = context.language
        return renderer.page("console_user_token", title: renderer.text("useradmin_token_title", lang, ["user": user.username]), context: context,
                             status: errors.isEmpty ? .ok : .badRequest, data: [
            "tenant": tenant.name, "username": user.username, "edit_path": editPath(tenant.name, user.username),
            "user_path": Self.userPath(tenant.name, user.username), "errors": errors, "has_errors": !errors.isEmpty,
        ])
    }

    /// Enrolls the token and shows its secret once. Why re-authentication first: the page hands out a second factor
    /// of another person; an unattended console session must not be enough to mint one.
    func enrol(_ context: ConsoleRequestContext) async throws -> Response {
        let (t, u) = try names(context)
        if let r = ConsoleReauth.required(context, env: env, next: Self.userPath(t, u) + "/tokens/new") { return r }
        var request = EnrollmentRequest(type: context.form["type"] == "hotp" ? .hotp : .totp)
        request.label = (context.form["label"] ?? "").trimmingCharacters(in: .whitespaces)
        let enrollment: Enrollment
        do {
            enrollment = try await admin.enrollToken(tenantName: t, username: u, request, caller: context.principal)
        } catch let e as LifelineError where e.code == .invalidRequest {
            return try await enrolPage(context, errors: [renderer.text("useradmin_error_token", context.language)])
        }
        let lang = context.language
        let secret = URLComponents(string: enrollment.otpauthURI)?.queryItems?.first { $0.name == "secret" }?.value ?? ""
        let qr = QRCodeSVG.svg(enrollment.otpauthURI, label: renderer.text("useradmin_token_qr", lang))
        var response = renderer.page("console_user_token_created", title: renderer.text("useradmin_token_created_title", lang), context: context, data: [
            "username": enrollment.username, "edit_path": editPath(t, enrollment.username), "uri": enrollment.otpauthURI,
            "secret": secret, "qr": qr ?? "", "has_qr": qr != nil, "type": enrollment.token.type.rawValue.uppercased(),
        ])
        // The secret is on this page only: never kept by the browser's cache.
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// The id of a token of the user the path names (404 otherwise: the page must not delete another user's token).
    func ownToken(_ context: ConsoleRequestContext, tenant: String, username: String) async throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("id")),
              try await admin.listTokens(tenantName: tenant, username: username, caller: context.principal).1.contains(where: { $0.id == id }) else {
            throw LifelineError(.notFound, "no such token")
        }
        return id
    }

    // MARK: helpers

    /// The tenant and username the path names (path parameters arrive percent-encoded).
    func names(_ context: ConsoleRequestContext) throws -> (String, String) {
        let t = try context.parameters.require("tenant"), u = try context.parameters.require("username")
        return (t.removingPercentEncoding ?? t, u.removingPercentEncoding ?? u)
    }

    /// `/console/users/{tenant}/{username}`, each segment percent-encoded (a username may hold any character but controls).
    static func userPath(_ tenant: String, _ username: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func segment(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return "/console/users/\(segment(tenant))/\(segment(username))"
    }

    func editPath(_ tenant: String, _ username: String) -> String { Self.userPath(tenant, username) + "/edit" }

    func languages(selected: String) -> [[String: Any]] {
        renderer.catalog.languages.map { ["code": $0, "name": renderer.catalog.text("web.language_name", $0), "selected": $0 == selected] }
    }
}
