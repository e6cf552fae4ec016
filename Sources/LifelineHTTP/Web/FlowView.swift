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
                "wait_text": renderer.text("resend_wait", lang, ["seconds": String(seconds)]),
                "wait_template": renderer.text("resend_wait", lang),
                "ready_text": renderer.text("resend_ready", lang),
            ] as [String: Any]
        } else {
            ctx["resend"] = false
        }
        return ctx
    }

    /// The fields: radio groups become a fieldset with a legend; the rest labelled inputs. The first control
    /// gets the focus, and with an error every control points at the error text (`aria-describedby`).
    func fields(hasError: Bool) -> [[String: Any]] {
        doc.fields.enumerated().map { index, f in
            let id = "f-" + f.name.replacingOccurrences(of: ".", with: "-")
            let first = index == 0
            var field: [String: Any] = [
                "name": f.name, "id": id, "label": f.label.text, "required": f.required,
                "is_radio": f.type == "radio", "autofocus": first, "invalid": hasError,
            ]
            if f.type == "radio" {
                field["options"] = (f.options ?? []).enumerated().map { i, o -> [String: Any] in
                    // Never pre-checked, not even a single option: the markup must not depend on how many
                    // contacts a (real or decoy) user has beyond the options themselves.
                    ["value": o.value, "label": o.label, "id": "\(id)-\(i)", "autofocus": first && i == 0]
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
