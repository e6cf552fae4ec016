import Crypto
import Foundation

/// The form of a lost token's temporary code: how it is made, typed and stored.
public enum LostTokenFormat {
    /// Symbols per code. Why 12 of the emergency alphabet (31 symbols, ≈ 59 bits): the code lives for days and is
    /// accepted many times; with ``maxFailures`` guesses the odds are 10 in 31¹² ≈ 1.3·10⁻¹⁷.
    public static let codeLength = 12
    /// The symbols: the emergency codes' alphabet (one alphabet for every code a person reads out or types).
    public static var alphabet: [Character] { EmergencyCodeFormat.alphanumericCharacters }
    /// Wrong codes after which the temporary code ends. Why 10: it is multi-use for days, so it needs a limit of its
    /// own; a user who mistypes ten times calls the helpdesk again, an attacker gets ten guesses at 59 bits.
    public static let maxFailures = 10
    /// The HKDF `info` of the HMAC key. Why a key of its own: no key serves two purposes.
    public static let keyInfo = "lifeline/lost-token"

    private static let alphabetBytes = Set(EmergencyCodeFormat.alphanumericCharacters.map { $0.asciiValue! })

    /// A typed input in canonical form, or nil when it cannot be a temporary code: spaces and dashes dropped,
    /// upper-cased; then the 12-symbol code alone, or a PIN of 4–8 ASCII digits followed by the code (16–20
    /// characters). Pure and cheap (no lookup).
    public static func normalize(_ typed: String) -> String? {
        guard typed.utf8.count <= 128 else { return nil }
        var bytes: [UInt8] = []
        for b in typed.utf8 where b != 0x20 && b != 0x2d { bytes.append(b >= 0x61 && b <= 0x7a ? b - 0x20 : b) }
        let pinLength = bytes.count - codeLength
        guard pinLength == 0 || TokenPIN.pinLengths.contains(pinLength) else { return nil }
        guard bytes[..<pinLength].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              bytes[pinLength...].allSatisfy({ alphabetBytes.contains($0) }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A normalized input split into its PIN prefix (nil: none) and its code (the last ``codeLength`` symbols).
    public static func split(_ form: String) -> (pin: String?, code: String) {
        let chars = Array(form)
        guard chars.count > codeLength else { return (nil, form) }
        return (String(chars[..<(chars.count - codeLength)]), String(chars[(chars.count - codeLength)...]))
    }

    /// The stored form: HMAC-SHA256 (hex) under `key` over the tenant, user and token ids and the code. Why an HMAC:
    /// a copy of the database alone must not be enough to test codes; why bound to the ids: a hash copied onto another
    /// row does not match there.
    public static func hash(code: String, tenantID: UUID, userID: UUID, tokenID: UUID, key: SymmetricKey) -> String {
        var message = Array("lost-token/v1\u{0}".utf8)
        for id in [tenantID, userID, tokenID] { message += Array(id.uuidString.lowercased().utf8) + [0] }
        message += Array(code.utf8)
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }
}
