import Foundation

/// A code submitted for validation, in the form of each credential kind that accepts it (each type's own
/// ``CredentialType/normalize(_:)``). A kind without a form is not tried.
public struct SubmittedCode: Sendable, Equatable {
    /// The input's form per kind.
    public private(set) var forms: [CredentialKind: String]

    public init(_ forms: [CredentialKind: String] = [:]) { self.forms = forms }

    /// One form: the input as `kind` reads it (already normalized), for a caller that checks that kind only.
    public init(_ kind: CredentialKind, _ form: String) { forms = [kind: form] }

    /// `typed` in the form of every registered credential type that accepts it; empty when none does.
    public init(typed: String) { forms = CredentialRegistry.forms(of: typed) }

    /// The input as `kind` reads it, or nil when it cannot be one of its credentials.
    public subscript(kind: CredentialKind) -> String? { forms[kind] }

    /// Whether no kind accepts the input.
    public var isEmpty: Bool { forms.isEmpty }
}
