import Crypto
import Foundation

/// How emergency codes look when shown, how typed codes are normalized, and how codes are stored (HMAC).
public enum EmergencyCodeFormat {
    /// Upper-case letters and digits without the look-alikes 0/O and 1/I/L (31 symbols, ≈ 4.95 bits each).
    public static let alphanumericCharacters: [Character] = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")

    private static let alphanumericBytes = Set(alphanumericCharacters.map { $0.asciiValue! })

    /// The HKDF `info` of the HMAC key. Why a key of its own: no key is used for two purposes, and the flow codes'
    /// key ("lifeline/recovery/code") could not be told apart from this one otherwise.
    public static let keyInfo = "lifeline/emergency-code"

    /// A typed code in canonical form, or nil when it cannot be an emergency code.
    ///
    /// Upper-cases and drops spaces and dashes (so `1234 5678 90`, `k7mq-9xhd` and the display form all work), then
    /// accepts 10–32 digits (a digits code) or 8–32 characters of ``alphanumericCharacters`` (an alphanumeric code;
    /// it may by chance consist of digits only). Only ASCII: a full-width digit is not a digit here.
    public static func normalize(_ typed: String) -> String? {
        guard typed.utf8.count <= 128 else { return nil }
        var bytes: [UInt8] = []
        for b in typed.utf8 where b != 0x20 && b != 0x2d {
            bytes.append(b >= 0x61 && b <= 0x7a ? b - 0x20 : b)
        }
        let allDigits = bytes.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        let digitsCode = allDigits && (10...32).contains(bytes.count)
        let alphanumericCode = (8...32).contains(bytes.count) && bytes.allSatisfy { alphanumericBytes.contains($0) }
        guard digitsCode || alphanumericCode else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The display form: groups of 3–5 characters separated by spaces, as even as possible (`12345 67890`,
    /// `K7MQ 9XHD`, `2345 6789 ABCD`). Why groups: a 10–32 character run is misread and mistyped; why spaces:
    /// validation drops them, so a code pasted with them still works.
    public static func display(_ code: String) -> String {
        let chars = Array(code)
        guard chars.count > 5 else { return code }
        let groups = (chars.count + 4) / 5
        let base = chars.count / groups, extra = chars.count % groups
        var out: [String] = []
        var i = 0
        for g in 0..<groups {
            let size = base + (g < extra ? 1 : 0)
            out.append(String(chars[i..<(i + size)]))
            i += size
        }
        return out.joined(separator: " ")
    }

    /// The stored form of a code: HMAC-SHA256 (hex) under `key`, over the tenant id, the user id and the normalized
    /// code. Why an HMAC and not a plain hash: a 10-digit code's hash is reversed by trying all 10^10 codes, so a
    /// database copy alone must not be enough; why bound to tenant and user: a hash copied onto another user's row
    /// does not match that user's code.
    public static func hash(code: String, tenantID: UUID, userID: UUID, key: SymmetricKey) -> String {
        var message = Array("emergency-code/v1\u{0}".utf8)
        message += Array(tenantID.uuidString.lowercased().utf8) + [0]
        message += Array(userID.uuidString.lowercased().utf8) + [0]
        message += Array(code.utf8)
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }
}
