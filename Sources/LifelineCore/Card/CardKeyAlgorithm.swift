/// The admin-key algorithm of a smart card, which fixes the key and challenge lengths of its PIN-unblock
/// challenge–response: the response is the challenge encrypted under the key, one block in ECB.
public enum CardKeyAlgorithm: String, Sendable, Codable, CaseIterable {
    /// Three-key Triple-DES (EDE), 24-byte key, 8-byte challenge.
    case tripleDES = "3des"
    /// AES-128, 16-byte key, 16-byte challenge.
    case aes128
    /// AES-192, 24-byte key, 16-byte challenge.
    case aes192
    /// AES-256, 32-byte key, 16-byte challenge.
    case aes256

    /// The key length in bytes.
    public var keyLength: Int {
        switch self {
        case .tripleDES, .aes192: 24
        case .aes128: 16
        case .aes256: 32
        }
    }

    /// The challenge (= response) length in bytes: the cipher's block size.
    public var challengeLength: Int { self == .tripleDES ? 8 : 16 }

    /// The names accepted on input, for error messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Parses an algorithm name, exactly as written in ``rawValue`` (so the API accepts what its document lists);
    /// throws ``LifelineError/Code/invalidRequest`` naming the choices.
    public static func parse(_ text: String) throws(LifelineError) -> CardKeyAlgorithm {
        guard let algorithm = CardKeyAlgorithm(rawValue: text) else {
            throw LifelineError(.invalidRequest, "algorithm must be one of \(names)")
        }
        return algorithm
    }
}
