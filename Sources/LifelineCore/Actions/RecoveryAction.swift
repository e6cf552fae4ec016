import Foundation

/// A recovery action a verified flow can unlock (reset a password, unblock a card...): one type in a folder of its
/// own under Actions/, plus one line in ``ActionRegistry/standard`` (docs/adding-an-action.md).
///
/// The shared part (``RecoveryService/useAction(flowID:action:input:source:)``) checks the flow, its grant, the
/// assurance its steps reached and that the user is still active before ``perform(_:input:)`` runs; the action claims
/// its grant through ``ActionContext/claim(counters:reason:)`` and never touches the flow's grants itself.
public protocol RecoveryAction: Sendable {
    /// The stable id (`reset-password`): in tenant configurations, URLs, audit events (`recovery.<id>`) and catalog
    /// ids (`action.<id>`, the label; on the web `title_<id>`, `intro_<id>`, `submit_<id>`).
    var id: RecoveryActionID { get }

    /// The fields the user types before the action runs; empty: it acts at once (a button on the actions page).
    /// The API reads them from the JSON body, the web from a form page that renders them in this order.
    var fields: [ActionField] { get }

    /// The proof the flow that unlocks it must have given (``ActionAssurance``): checked when a configuration is
    /// applied, when a flow is verified (grants) and again at use.
    var assurance: ActionAssurance { get }

    /// Why the user's current state rules the action out (a catalog id, e.g. `action.not_locked`), or nil when it is
    /// available. Asked only for verified flows with an open grant of this action, when the flow document is built.
    func unavailableReason(_ check: ActionCheck) async -> String?

    /// The rules shown on the form page before the user types (the password rules), as catalog texts.
    func formRules(_ config: RecoveryConfig) -> [ActionText]

    /// Does the action: checks `input` (before claiming, so a typing error costs nothing), claims the grant, acts,
    /// gives the grant back when it failed, and finishes with the audit record and the notices.
    func perform(_ ctx: ActionContext, input: ActionInput) async throws -> ActionResult
}

extension RecoveryAction {
    public var fields: [ActionField] { [] }
    /// Why the strongest by default: an action added later is refused with weak flows until it says otherwise on purpose.
    public var assurance: ActionAssurance { .twoFactors }
    public func unavailableReason(_ check: ActionCheck) async -> String? { nil }
    public func formRules(_ config: RecoveryConfig) -> [ActionText] { [] }
}

/// An input of an action's form.
public struct ActionField: Sendable, Equatable {
    /// The JSON key and form field name (one lowercase word); its label is the web text `field_<name>`.
    public var name: String
    /// `text` or `password` (a password is never sent back into a page).
    public var type: String
    /// The HTML `autocomplete` hint.
    public var autocomplete: String
    /// A web text id shown under the field, if any.
    public var hint: String?

    public init(name: String, type: String = "text", autocomplete: String = "off", hint: String? = nil) {
        self.name = name; self.type = type; self.autocomplete = autocomplete; self.hint = hint
    }
}

/// What the user typed for an action, by field name; a field not sent reads as "".
public struct ActionInput: Sendable, Equatable {
    public var values: [String: String]
    public init(_ values: [String: String] = [:]) { self.values = values }
    public subscript(_ name: String) -> String { values[name] ?? "" }
    /// No input (an action that acts at once).
    public static let none = ActionInput()
}
