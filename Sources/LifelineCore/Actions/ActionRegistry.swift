import Foundation

/// The recovery actions this server knows, by id. Adding an action: its folder under Actions/ and one line here.
public struct ActionRegistry: Sendable {
    /// The actions of this version: what tenant configurations may name.
    public static let standard = ActionRegistry([
        ResetPasswordAction(),
        UnlockAccountAction(),
        CardUnblockAction(),
        EmergencyCodeAction(),
        UnlockAuthenticatorAction(),
        SelfserviceAction(),
        NewRecoveryCodesAction(),
    ])

    private let byID: [RecoveryActionID: any RecoveryAction]

    /// A registry of `actions`; a later one replaces an earlier one of the same id.
    public init(_ actions: [any RecoveryAction]) {
        byID = Dictionary(actions.map { ($0.id, $0) }, uniquingKeysWith: { _, later in later })
    }

    /// This registry with `action` added (tests add their own).
    public func adding(_ action: any RecoveryAction) -> ActionRegistry {
        ActionRegistry(Array(byID.values) + [action])
    }

    /// The action with `id`, or nil.
    public func action(_ id: RecoveryActionID) -> (any RecoveryAction)? { byID[id] }

    /// The action named `name` (a URL's last part), or nil.
    public func action(named name: String) -> (any RecoveryAction)? { byID[RecoveryActionID(rawValue: name)] }

    /// The names of every action's fields: what an API body may carry (each must then be a string).
    public var fieldNames: Set<String> { Set(byID.values.flatMap { $0.fields.map(\.name) }) }

    /// The actions that take input on a page of their own before they act.
    public var formActionIDs: Set<String> { Set(byID.values.filter { !$0.fields.isEmpty }.map(\.id.rawValue)) }
}
