import Foundation
import HTTPTypes
import Hummingbird
import LifelineCore

/// The pages of the recovery actions: a form page for those that take input (reset password, card unblock),
/// a result page for those that show something once (cryptogram, emergency code), and the card tool's deep link.
extension WebController {
    func addActionRoutes(to web: RouterGroup<AppRequestContext>) {
        web.get("/recover/action/:action") { request, context in
            let name = try context.parameters.require("action")
            guard let action = RecoveryAction(rawValue: name), FlowView.pageActions.contains(name) else { return WebRenderer.redirect("/recover/flow") }
            let session = webSession(request)
            let doc = try await recovery.document(flowID: try flowID(session), language: session.language)
            guard doc.state == "verified", doc.actions.contains(where: { $0.id == name && $0.available }) else {
                throw LifelineError(.actionUnavailable, "this action is not available")
            }
            if action == .cardUnblock, let link = DeepLink(cookie: request.cookies[cookies.unblockName]?.value) {
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
            guard let action = RecoveryAction(rawValue: name) else { throw LifelineError(.actionUnavailable, "no such action") }
            let session = webSession(request)
            let input: ActionInput = switch action {
            case .resetPassword: .password(new: form["password"] ?? "", confirmation: form["confirmation"] ?? "")
            case .cardUnblock: .card(serial: form["serial"] ?? "", challenge: form["challenge"] ?? "")
            default: .none
            }
            return try await perform(action, input: input, session: session, request: request, context: context,
                                     typed: ["serial": form["serial"] ?? "", "challenge": form["challenge"] ?? ""])
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
               doc.state == "verified", doc.actions.contains(where: { $0.id == RecoveryAction.cardUnblock.rawValue && $0.available }) {
                target = "/recover/action/card-unblock"
            }
            var response = WebRenderer.redirect(target)
            response.setCookie(cookies.unblock(link.cookieValue))
            return response
        }
    }

    /// Performs an action and answers with its result, or with its form (and what to fix) when it was refused.
    func perform(_ action: RecoveryAction, input: ActionInput, session: WebSession, request: Request, context: AppRequestContext,
                 typed: [String: String]) async throws -> Response {
        let id = try flowID(session)
        do {
            let outcome = try await recovery.useAction(flowID: id, action: action.rawValue, input: input, source: context.sourceAddress)
            var response = outcomePage(outcome, session)
            if action == .cardUnblock { response.setCookie(cookies.clearUnblock()) }
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
            if FlowView.pageActions.contains(action.rawValue), doc.state == "verified" {
                // Passwords are never sent back into a page; serial and challenge are, to correct one group.
                let values = action == .cardUnblock ? typed : [:]
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
              doc.actions.contains(where: { $0.id == RecoveryAction.cardUnblock.rawValue && $0.available }) else { return nil }
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

    func actionPage(_ action: RecoveryAction, _ doc: FlowDocument, _ session: WebSession, values: [String: String] = [:],
                    errors: [String] = [], status: HTTPResponse.Status = .ok, invalidField: String? = nil,
                    confirmLink: Bool = false) async -> Response {
        let lang = session.language
        var rules: [String] = []
        var fields: [[String: Any]]
        // With an error, the field it is about (else every field) is marked invalid and gets the focus.
        func field(_ name: String, _ type: String, _ autocomplete: String, hint: String? = nil, first: Bool = false) -> [String: Any] {
            let id = "f-\(name)"
            let invalid = !errors.isEmpty && (invalidField == nil || invalidField == name)
            let focus = invalidField.map { !errors.isEmpty && $0 == name } ?? first
            var describedby = [String]()
            if invalid { describedby.append("errors") }
            if hint != nil { describedby.append("\(id)-hint") }
            if name == "password", !rules.isEmpty { describedby.append("rules") }
            return ["name": name, "id": id, "type": type, "autocomplete": autocomplete, "label": renderer.text("field_\(name)", lang),
                    "value": values[name] ?? "", "autofocus": focus, "invalid": invalid, "describedby": describedby.joined(separator: " "),
                    "has_hint": hint != nil, "hint": hint ?? ""]
        }
        switch action {
        case .cardUnblock:
            fields = [field("serial", "text", "off", first: true),
                      field("challenge", "text", "off", hint: renderer.text("challenge_hint", lang))]
        default:
            rules = await passwordRules(tenant: doc.tenant, lang: lang)
            fields = [field("password", "password", "new-password", first: true), field("confirmation", "password", "new-password")]
        }
        return renderer.page("action", title: renderer.text("title_\(action.rawValue)", lang), session: session,
                             next: "/recover/action/\(action.rawValue)", status: status, context: [
                                 "account": renderer.text("flow_for", lang, ["username": doc.username]),
                                 "intro": renderer.text((confirmLink ? "confirm_" : "intro_") + action.rawValue, lang), "action": action.rawValue,
                                 "errors": errors, "has_errors": !errors.isEmpty, "fields": fields,
                                 "rules": rules, "has_rules": !rules.isEmpty, "rules_title": renderer.text("rules_title", lang),
                                 "submit": renderer.text((confirmLink ? "submit_confirm_" : "submit_") + action.rawValue, lang),
                             ])
    }

    /// The tenant's password rules as sentences, shown before the user types.
    func passwordRules(tenant: String, lang: String) async -> [String] {
        guard let config = try? await recovery.recoveryConfig(tenantName: tenant) else { return [] }
        let p = config.passwordPolicy
        var out = [renderer.catalog.text("password.rule_length", lang, ["min": String(p.minLength), "max": String(p.maxLength)])]
        if p.minClasses > 0 { out.append(renderer.catalog.text("password.classes", lang, ["count": String(p.minClasses)])) }
        if p.forbidUsername { out.append(renderer.catalog.text("password.rule_username", lang)) }
        out.append(renderer.catalog.text("password.rule_common", lang))
        return out
    }

    /// The page after an action succeeded.
    func outcomePage(_ outcome: ActionOutcome, _ session: WebSession) -> Response {
        let lang = session.language
        switch outcome {
        case .redirect(let url):
            return WebRenderer.redirect(url)
        case .passwordReset, .unlocked, .authenticatorUnlocked:
            // The actions page shows the confirmation (a notice of the flow) and what is left to do.
            return WebRenderer.redirect("/recover/flow")
        case .cardResponse(let serial, let cryptogram, let format):
            return renderer.page("result", title: renderer.text("title_card_result", lang), session: session, next: "/recover/flow", context: [
                "account": renderer.text("card_serial", lang, ["serial": serial]),
                "intro": renderer.text("intro_card_result", lang), "value": cryptogram,
                "lines": [renderer.text(format == "decimal" ? "card_result_decimal" : "card_result_hex", lang)],
            ])
        case .emergencyCode(let code, let expiresAt, let maxUses):
            var lines: [String] = []
            if let expiresAt { lines.append(renderer.text("code_expires", lang, ["time": Self.timeText(expiresAt)])) }
            if let maxUses { lines.append(renderer.text(maxUses == 1 ? "code_uses_one" : "code_uses", lang, ["count": String(maxUses)])) }
            lines.append(renderer.text("code_once", lang))
            return renderer.page("result", title: renderer.text("title_code_result", lang), session: session, next: "/recover/flow", context: [
                "account": "", "intro": renderer.text("intro_code_result", lang), "value": code, "lines": lines,
            ])
        }
    }

    /// A time for a page: unambiguous in every language, in UTC.
    static func timeText(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: "UTC"); f.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return f.string(from: date)
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
