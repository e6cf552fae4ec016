/// Builds `otpauth://` URIs (the Google Authenticator key-URI format) for enrollment.
public enum OTPAuthURI {
    /// The URI for a token, its secret and its label parts. The issuer is the tenant's display name.
    public static func make(token: Token, secret: [UInt8], issuer: String, account: String) -> String {
        let label = escape(issuer) + ":" + escape(account)
        var query = "secret=\(Base32.encode(secret))&issuer=\(escape(issuer))&algorithm=\(token.algorithm.uriName)&digits=\(token.digits)"
        switch token.type {
        case .totp: query += "&period=\(token.period ?? 30)"
        case .hotp: query += "&counter=\(token.counter)"
        }
        return "otpauth://\(token.type.rawValue)/\(label)?\(query)"
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func escape(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
