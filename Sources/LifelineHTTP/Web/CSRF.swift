import Foundation
import LifelineCore

/// Cross-site request forgery protection for every form (double submit).
///
/// Each browser gets a random token in an HttpOnly, SameSite=Strict cookie; every form carries the same token
/// in a hidden field. Another site can make a browser post a form, but cannot read our cookie or page, so it
/// cannot put the right token in the body. With the `__Host-` cookie prefix (see ``WebCookies``) it cannot
/// plant a token of its own either. `Sec-Fetch-Site` (sent by current browsers) refuses cross-site posts early.
enum CSRF {
    /// The hidden field's name.
    static let field = "csrf_token"

    /// 32 bytes from the system CSPRNG (`SystemRandomNumberGenerator` reads the OS's getrandom/arc4random),
    /// base64url: 256 bits cannot be guessed.
    static func newToken() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Whether a cookie value looks like one of our tokens (anything else is replaced by a fresh token).
    static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 43 && token.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d || c == 0x5f
        }
    }

    /// Whether a form post may change anything: the cookie token and the form token are present and equal,
    /// and the browser does not report the post as coming from another site.
    /// Why constant time: a comparison that stops at the first difference would let an attacker who can time
    /// many requests learn a token byte by byte.
    static func accepts(cookie: String?, form: String?, fetchSite: String?) -> Bool {
        if let site = fetchSite?.lowercased(), site == "cross-site" || site == "same-site" { return false }
        guard let cookie, let form, isWellFormed(cookie) else { return false }
        return ConstantTime.equals(cookie, form)
    }
}
