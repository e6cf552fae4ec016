import Foundation

/// One verification method of a tenant's configuration: a stable id (what flows list as steps), the method's type,
/// and its settings (`methods: [{id: sms, type: sms, code_length: 7}]`).
///
/// The settings are the method's own type (``VerificationMethod/Settings``), decoded from the same object beside
/// `id` and `type` and encoded back flat, so the tenant format is what it always was. Keys the method does not know
/// are refused by a strict decoder (``ConfigKeyCheck``).
public struct MethodConfig: Sendable, Codable, Equatable {
    public var id: String
    public var type: VerificationMethodType
    public var settings: any MethodSettings

    /// An entry of `type`; `settings` nil: the method's defaults (``NoSettings`` for a type the registry lacks).
    public init(id: String, type: VerificationMethodType, settings: (any MethodSettings)? = nil, methods: MethodRegistry = .standard) {
        self.id = id; self.type = type
        self.settings = settings ?? methods.method(type)?.defaultSettingsErased ?? NoSettings()
    }

    enum CodingKeys: String, CodingKey { case id, type }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        type = try c.decode(VerificationMethodType.self, forKey: .type)
        let methods = MethodRegistry.from(decoder)
        guard let method = methods.method(type) else {
            throw DecodingError.dataCorruptedError(forKey: .type, in: c,
                                                   debugDescription: "unknown method type '\(type)' (known: \(methods.types.joined(separator: ", ")))")
        }
        settings = try method.decodeSettings(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(type, forKey: .type)
        try settings.encode(to: encoder)
    }

    public static func == (a: MethodConfig, b: MethodConfig) -> Bool {
        a.id == b.id && a.type == b.type && a.settings.isEqual(b.settings)
    }
}

extension VerificationMethod {
    var defaultSettingsErased: any MethodSettings { defaultSettings }
}
