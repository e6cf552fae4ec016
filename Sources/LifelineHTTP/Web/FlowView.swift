import Foundation
import LifelineCore

/// Turns a ``FlowDocument`` into the flow page's template context, generically from its fields: one template
/// renders every step, so a new verification method needs no new page.
struct FlowView {
    let doc: FlowDocument
    let lang: String
    let renderer: WebRenderer
    /// The clock's now (for the resend countdown).
    let now: Date
    /// Messages added by the web layer (a missing field, a concurrent change).
    var extraErrors: [String] = []
    /// What the user had posted, shown again after a refusal: the choice and a typed number or address (never a
    /// code or an answer, see ``keptTypes``).
    var values: [String: String] = [:]
    /// The field an error is about (marked invalid and focused); nil: the first typed field, else the first field.
    var invalidField: String? = nil
    /// False when the errors are about the page, not a field (a change in another tab): no field is marked.
    var errorsAreAboutFields = true

    /// Field types whose posted value is shown again after a refusal. Why not codes and answers: a wrong code is
    /// of no use to retype from, and an answer is a secret that does not belong in a page a second time.
    static let keptTypes: Set<String> = ["radio", "tel", "email"]

    /// Actions that take input on a page of their own before they act (those with fields).
    var pageActions: Set<String> = ActionRegistry.standard.formActionIDs

    /// The page title for the flow's state.
    var title: String { renderer.text("title_\(doc.state)", lang) }

    var context: [String: Any] {
        let errors = doc.messages.filter { $0.type == "error" }.map(\.text) + extraErrors
        let infos = doc.messages.filter { $0.type != "error" }.map(\.text)
        let hasError = !errors.isEmpty
        var ctx: [String: Any] = [
            "prompt": doc.prompt.text,
            "account": renderer.text("flow_for", lang, ["username": doc.username]),
            "step_text": doc.step.map { renderer.text("step", lang, ["index": String($0.index), "count": String($0.count)]) } ?? "",
            "has_step": doc.step != nil,
            "errors": errors, "has_errors": hasError,
            "infos": infos, "has_infos": !infos.isEmpty,
            "fields": fields(hasError: hasError),
            "has_form": !doc.fields.isEmpty,
            // Sent back with the form, so a late duplicate of an earlier step is refused instead of being taken
            // as an answer to the next one (the core checks them).
            "state": doc.state,
            "step_index": doc.step.map { String($0.index) } ?? "",
            "is_verified": doc.state == "verified",
            "actions": doc.actions.map { a -> [String: Any] in
                // Reset and card unblock open a form page (a link); the others act at once (a post). An action that
                // is not available (used, expired, an account that is not locked) is a disabled button with the reason.
                let page = a.available && pageActions.contains(a.id)
                let note = a.note?.text ?? ""
                return ["id": a.id, "label": a.label, "disabled": !a.available, "is_page": page, "posts": !page,
                        "note": note, "has_note": !note.isEmpty]
            },
            "is_done": doc.state == "failed" || doc.state == "expired",
        ]
        // Any step whose method offers "send again" (the document says when), not one state by name.
        if let at = doc.resendAvailableAt {
            let seconds = at.wholeSeconds(after: now)
            ctx["resend"] = [
                "seconds": seconds, "waiting": seconds > 0,
                "wait_text": renderer.plural("resend_wait", lang, count: seconds, ["seconds": String(seconds)]),
                "wait_template": renderer.plural("resend_wait", lang, count: 0),
                // Every plural form of the language, for the countdown script (it picks one with Intl.PluralRules).
                "wait_forms": PluralRules.categories(lang).map { ["category": $0, "text": renderer.catalog.text("web.resend_wait#\($0)", lang)] },
                "ready_text": renderer.text("resend_ready", lang),
            ] as [String: Any]
        } else {
            ctx["resend"] = false
        }
        return ctx
    }

    /// The field an error is about: the one named, else the first typed field (a wrong number is about the number,
    /// not the choice), else the first field.
    func errorField(hasError: Bool) -> String? {
        guard hasError, errorsAreAboutFields else { return nil }
        return invalidField ?? doc.fields.first { $0.type != "radio" }?.name ?? doc.fields.first?.name
    }

    /// The fields: radio groups become a fieldset with a legend; the rest labelled inputs. The focus starts in the
    /// first control; with an error, it goes to the field the error is about, which is marked `aria-invalid` and
    /// points at the error text (`aria-describedby`) — by attributes only, no script (CSP).
    func fields(hasError: Bool) -> [[String: Any]] {
        let errorField = errorField(hasError: hasError)
        return doc.fields.enumerated().map { index, f in
            let id = "f-" + f.name.replacingOccurrences(of: ".", with: "-")
            let focus = errorField.map { $0 == f.name } ?? (index == 0)
            let kept = Self.keptTypes.contains(f.type) ? values[f.name] : nil
            var field: [String: Any] = [
                "name": f.name, "id": id, "label": f.label.text, "required": f.required,
                "is_radio": f.type == "radio", "autofocus": focus, "invalid": errorField == f.name,
                "value": kept ?? "", "has_value": !(kept ?? "").isEmpty,
            ]
            if f.type == "radio" {
                let options = f.options ?? []
                // The chosen option again after a refusal; a single option is chosen already (there is nothing to
                // choose — this depends only on the options shown, which a decoy shows the same way).
                let checked = kept.flatMap { v in options.firstIndex { $0.value == v } } ?? (options.count == 1 ? 0 : nil)
                field["options"] = options.enumerated().map { i, o -> [String: Any] in
                    ["value": o.value, "label": o.label, "id": "\(id)-\(i)", "checked": i == checked,
                     "autofocus": focus && i == (checked ?? 0), "invalid": errorField == f.name]
                }
            } else {
                let code = f.type == "code"
                field["input_type"] = code ? "text" : f.type
                field["autocomplete"] = f.autocomplete ?? "off"
                field["numeric"] = code
                // Why no autocorrect/spellcheck: numbers, addresses, codes and answers must arrive as typed.
                field["plain"] = true
            }
            return field
        }
    }
}
