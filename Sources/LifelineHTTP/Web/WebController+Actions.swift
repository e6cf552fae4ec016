import Foundation
import HTTPTypes
import Hummingbird
import LifelineCore

/// The pages of the recovery actions: a form page for those that take input (reset password, card unblock),
/// a result page for those that show something once (cryptogram, emergency code), and the card tool's deep link.
extension WebController {
    /// One route pair for every action: its form page (actions with fields) and its post; the card tool's deep link.
    func addActionRoutes(to web: RouterGroup<AppRequestContext>) {
        web.get("/recover/action/:action") { request, context in
            let name = try context.parameters.require("action")
            guard let action = recovery.actions.action(named: name), !action.fields.isEmpty else { return WebRenderer.redirect("/recover/flow") }
            let session = webSession(request)
            let doc = try await recovery.document(flowID: try flowID(session), language: session.language)
            guard doc.state == "verified", doc.actions.contains(where: { $0.id == name && $0.available }) else {
                throw LifelineError(.actionUnavailable, "this action is not available")
            }
            if action.id == .cardUnblock, let link = DeepLink(cookie: request.cookies[cookies.unblockName]?.value) {
                // A deep link's values are only pre-filled: the page asks the user to check them against the card
                // tool and confirm (see `afterVerification`).
                return await actionPage(action, doc, session, values: ["serial": link.serial, "challenge": link.challenge], confirmLink: true)
            }
            return await actionPage(action, doc, session)
        }
        web.post("/recover/action/:action") { request, context in
            let form = try await checkedForm(request)
            let name = try context.parameters.require("action")
            // An action this version does not know is "not available", like one the flow did not unlock.
            guard let action = recovery.actions.action(named: name) else { throw LifelineError(.actionUnavailable, "no such action") }
            let session = webSession(request)
            let input = ActionInput(Dictionary(uniqueKeysWithValues: action.fields.map { ($0.name, form[$0.name] ?? "") }))
            return try await perform(action, input: input, session: session, request: request, context: context)
        }
        // The card tool's deep link (a QR code): remember serial and challenge, then verify as usual; after the
        // verification the card form shows them pre-filled for the user to confirm (see `afterVerification`).
        web.get("/unblock") { request, _ in
            let q = request.uri.queryParameters
            let session = webSession(request)
            guard let link = DeepLink(serial: q.get("serial").map { String($0) } ?? "", challenge: q.get("challenge").map { String($0) } ?? "") else {
                throw LifelineError(.invalidRequest, "this unblock link is not valid")
            }
            // A browser that is already verified for card unblock goes to the filled-in form.
            var target = "/recover" + (q.get("tenant").map { "?tenant=" + WebRenderer.queryEscape(String($0)) } ?? "")
            if let id = session.flowID, let doc = try? await recovery.document(flowID: id),
               doc.state == "verified", doc.actions.contains(where: { $0.id == RecoveryActionID.cardUnblock.rawValue && $0.available }) {
                target = "/recover/action/card-unblock"
            }
            var response = WebRenderer.redirect(target)
            response.setCookie(cookies.unblock(link.cookieValue))
            return response
        }
    }

    /// Performs an action and answers with its result, or with its form (and what to fix) when it was refused.
    func perform(_ action: any RecoveryAction, input: ActionInput, session: WebSession, request: Request, context: AppRequestContext) async throws -> Response {
        let id = try flowID(session)
        do {
            let result = try await recovery.useAction(flowID: id, action: action.id.rawValue, input: input, source: context.sourceAddress)
            // The tenant's configuration, for times on a result page in the organization's time zone.
            var config: RecoveryConfig? = nil
            if result.page != nil, let doc = try? await recovery.document(flowID: id) { config = try? await recovery.recoveryConfig(tenantName: doc.tenant) }
            var response = resultPage(result, session, config: config)
            if action.id == .cardUnblock { response.setCookie(cookies.clearUnblock()) }
            return response
        } catch let e as LifelineError where e.code == .invalidRequest || e.code == .unavailable || e.code == .conflict
            || (e.code == .actionUnavailable && !e.details.isEmpty) {
            // Nothing was changed and the grant is still there: the form (or the actions) again, with what to fix.
            let doc = try await recovery.document(flowID: id, language: session.language)
            let errors = e.details.isEmpty ? [renderer.text(e.code == .conflict ? "error_conflict" : "error_required", session.language)] : e.details.map(\.text)
            let status: HTTPResponse.Status = switch e.code {
            case .unavailable: .serviceUnavailable
            case .conflict, .actionUnavailable: .conflict
            default: .badRequest
            }
            if !action.fields.isEmpty, doc.state == "verified" {
                // Passwords are never sent back into a page; the other fields are (serial and challenge, to correct one group).
                let values = Dictionary(uniqueKeysWithValues: action.fields.filter { $0.type != "password" }.map { ($0.name, input[$0.name]) })
                return await actionPage(action, doc, session, values: values, errors: errors, status: status,
                                        invalidField: Self.field(of: e.details.first?.id))
            }
            return try await flowPage(doc, session, status: status, errors: errors)
        }
    }

    /// After a submission verified the flow: a pending deep link leads to the card form, pre-filled for the user to
    /// confirm.
    ///
    /// Why not compute the response at once: the link may have been planted cross-site (any page can send a browser
    /// to `/unblock` with a serial and challenge of its choosing); only the user's own POST of the confirmation form,
    /// with the CSRF token, after they saw the serial and challenge, computes a cryptogram.
    func afterVerification(_ doc: FlowDocument, request: Request, context: AppRequestContext, session: WebSession) async throws -> Response? {
        guard doc.state == "verified", DeepLink(cookie: request.cookies[cookies.unblockName]?.value) != nil,
              doc.actions.contains(where: { $0.id == RecoveryActionID.cardUnblock.rawValue && $0.available }) else { return nil }
        return WebRenderer.redirect("/recover/action/card-unblock")
    }

    // MARK: pages

    /// The field a refusal is about (marked invalid and focused), by the catalog id of its first detail.
    static func field(of detail: String?) -> String? {
        guard let detail else { return nil }
        if detail.hasPrefix("card.challenge") { return "challenge" }
        if detail.hasPrefix("card.") { return "serial" }
        if detail == "password.mismatch" { return "confirmation" }
        return detail.hasPrefix("password.") || detail.hasPrefix("directory.password") ? "password" : nil
    }

    /// The form page of an action with fields, rendered from its ``RecoveryAction/fields`` and ``RecoveryAction/formRules(_:)``.
    func actionPage(_ action: any RecoveryAction, _ doc: FlowDocument, _ session: WebSession, values: [String: String] = [:],
                    errors: [String] = [], status: HTTPResponse.Status = .ok, invalidField: String? = nil,
                    confirmLink: Bool = false) async -> Response {
        let lang = session.language
        let name = action.id.rawValue
        let rules = await formRules(action, tenant: doc.tenant, lang: lang)
        // With an error, the field it is about (else every field) is marked invalid and gets the focus.
        let fields: [[String: Any]] = action.fields.enumerated().map { index, f in
            let id = "f-\(f.name)"
            let first = index == 0
            let invalid = !errors.isEmpty && (invalidField == nil || invalidField == f.name)
            let focus = invalidField.map { !errors.isEmpty && $0 == f.name } ?? first
            let hint = f.hint.map { renderer.text($0, lang) }
            var describedby = [String]()
            if invalid { describedby.append("errors") }
            if hint != nil { describedby.append("\(id)-hint") }
            if first, !rules.isEmpty { describedby.append("rules") }
            return ["name": f.name, "id": id, "type": f.type, "autocomplete": f.autocomplete, "label": renderer.text("field_\(f.name)", lang),
                    "value": values[f.name] ?? "", "autofocus": focus, "invalid": invalid, "describedby": describedby.joined(separator: " "),
                    "has_hint": hint != nil, "hint": hint ?? ""]
        }
        return renderer.page("action", title: renderer.text("title_\(name)", lang), session: session,
                             next: "/recover/action/\(name)", status: status, context: [
                                 "account": renderer.text("flow_for", lang, ["username": doc.username]),
                                 "intro": renderer.text((confirmLink ? "confirm_" : "intro_") + name, lang), "action": name,
                                 "errors": errors, "has_errors": !errors.isEmpty, "fields": fields,
                                 "rules": rules, "has_rules": !rules.isEmpty, "rules_title": renderer.text("rules_title", lang),
                                 "submit": renderer.text((confirmLink ? "submit_confirm_" : "submit_") + name, lang),
                             ])
    }

    /// The action's rules for the tenant (the password rules) as sentences, shown before the user types.
    func formRules(_ action: any RecoveryAction, tenant: String, lang: String) async -> [String] {
        guard let config = try? await recovery.recoveryConfig(tenantName: tenant) else { return [] }
        return action.formRules(config).map { renderer.catalog.text($0.id, lang, Self.args($0.args, config: config, lang: lang)) }
    }

    /// The page after an action succeeded: its redirect, its result page (a value shown once), or the actions page,
    /// which shows the action's notice and what is left to do.
    func resultPage(_ result: ActionResult, _ session: WebSession, config: RecoveryConfig? = nil) -> Response {
        if let url = result.redirect { return WebRenderer.redirect(url) }
        guard let page = result.page else { return WebRenderer.redirect("/recover/flow") }
        let lang = session.language
        func text(_ t: ActionText) -> String {
            let args = Self.args(t.args, config: config, lang: lang)
            // A text with one number and plural forms in the catalog takes the form for that number ("1 sign-in").
            let numbers = t.args.values.compactMap { if case .number(let n) = $0 { n } else { nil } }
            if numbers.count == 1, renderer.catalog.has("web.\(t.id)#other", in: "en") { return renderer.plural(t.id, lang, count: numbers[0], args) }
            return renderer.text(t.id, lang, args)
        }
        return renderer.page("result", title: renderer.text(page.title, lang), session: session, next: "/recover/flow", context: [
            "account": page.context.map(text) ?? "", "intro": renderer.text(page.intro, lang), "value": page.value,
            "lines": page.lines.map(text),
        ])
    }

    /// A text's arguments as the page shows them (times in the organization's time zone, in the page's language).
    static func args(_ args: [String: ActionValue], config: RecoveryConfig?, lang: String) -> [String: String] {
        args.mapValues { value in
            switch value {
            case .text(let s): s
            case .number(let n): String(n)
            case .time(let d): TimeText.format(d, config: config, language: lang)
            case .texts(let list): list.joined(separator: "\n")
            }
        }
    }
}

/// The serial and challenge of a card tool's deep link, checked for shape only (the core checks the rest).
struct DeepLink: Equatable {
    var serial: String
    var challenge: String

    /// Why so strict: the values travel in a cookie and back into a page; only the characters a serial or
    /// challenge can have are let through, so nothing can be smuggled.
    init?(serial: String, challenge: String) {
        let s = serial.trimmingCharacters(in: .whitespaces)
        let c = challenge.filter { $0.isASCII && $0.isHexDigit }
        guard (1...64).contains(s.count), s.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }),
              (16...64).contains(c.count), challenge.count <= 100,
              challenge.allSatisfy({ ($0.isASCII && $0.isHexDigit) || $0 == " " || $0 == "-" || $0 == ":" }) else { return nil }
        self.serial = s; self.challenge = c
    }

    /// From the cookie value `serial.challenge`.
    init?(cookie: String?) {
        guard let cookie, let dot = cookie.firstIndex(of: ".") else { return nil }
        self.init(serial: String(cookie[..<dot]), challenge: String(cookie[cookie.index(after: dot)...]))
    }

    var cookieValue: String { "\(serial).\(challenge)" }
}
