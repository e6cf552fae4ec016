import Foundation

/// The verification methods a server knows, by type id. The one list is ``standard``: adding a method is one type
/// plus one line there.
public struct MethodRegistry: Sendable {
    private let byType: [VerificationMethodType: any VerificationMethod]

    /// The methods, in the order of the list (later entries replace earlier ones of the same type).
    public init(_ methods: [any VerificationMethod]) {
        var byType: [VerificationMethodType: any VerificationMethod] = [:]
        for m in methods { byType[m.type] = m }
        self.byType = byType
    }

    /// Every method of Lifeline.
    public static let standard = MethodRegistry([
        SMSMethod(),
        EmailMethod(),
        QuestionsMethod(),
        TOTPMethod(),
        RecoveryCodeMethod(),
    ])

    /// This registry with `methods` added.
    public func adding(_ methods: any VerificationMethod...) -> MethodRegistry {
        MethodRegistry(Array(byType.values) + methods)
    }

    /// The method of `type`; nil for a type this server does not know.
    public func method(_ type: VerificationMethodType) -> (any VerificationMethod)? { byType[type] }

    /// The known type ids, sorted (for messages).
    public var types: [String] { byType.keys.map(\.rawValue).sorted() }

    /// The registry decoders use (`userInfo[MethodRegistry.userInfoKey]`, else ``standard``).
    static func from(_ decoder: any Decoder) -> MethodRegistry {
        decoder.userInfo[userInfoKey] as? MethodRegistry ?? .standard
    }

    /// Set a ``MethodRegistry`` here in a decoder's `userInfo` to decode configurations and flows of other methods.
    public static let userInfoKey = CodingUserInfoKey(rawValue: "lifeline.methods")!
}
