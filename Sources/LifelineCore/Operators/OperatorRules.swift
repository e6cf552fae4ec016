import Foundation

/// The rules about operators that do not need storage: names, passwords, tokens, and who may act on whom.
public enum OperatorRules {
    /// Operator names: 1–64 characters of `a-z 0-9 . _ -`, starting with a letter or digit; upper case is folded.
    /// Why so narrow: the name is the audit actor (`operator:<name>`) and appears in URLs and logs; a look-alike
    /// (`Admin` vs `admin`, a Cyrillic `а`) must not pass as another operator.
    public static func name(_ raw: String) throws(LifelineError) -> String {
        let name = raw.lowercased()
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count), bytes[0] != UInt8(ascii: "."), bytes[0] != UInt8(ascii: "-"), bytes[0] != UInt8(ascii: "_"),
              bytes.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2e || $0 == 0x5f || $0 == 0x2d }) else {
            throw LifelineError(.invalidRequest, "an operator name is 1-64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
        }
        return name
    }

    /// The password rules of operators. Why at least 15 characters although the TOTP is a second factor: NIST SP
    /// 800-63B-4 §3.1.1.2 asks 15 for a password used alone and 8 within multi-factor authentication; an operator
    /// acts on many users' accounts, and the TOTP secret sits on a phone that can be lost, so we take the single-factor
    /// length. No composition rules (NIST: they do not help), the common-password block list of ``CommonPasswords``,
    /// not the name, at most 128 (a bound for the slow hash).
    public static let passwordPolicy = PasswordPolicy(minLength: 15, maxLength: 128, minClasses: 0, forbidUsername: true,
                                                      forbidden: ["lifeline", "console", "operator", "helpdesk", "superuser"])

    /// A new random token for a session cookie or an enrolment link: 32 bytes from the CSPRNG, base64url (43
    /// characters), 256 bits that cannot be guessed.
    public static func newToken(_ random: any RandomSource) -> String {
        Data(random.bytes(32)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Whether `token` has the form of ``newToken(_:)`` (anything else is refused before a lookup).
    public static func isWellFormedToken(_ token: String) -> Bool {
        token.utf8.count == 43 && token.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d || c == 0x5f
        }
    }

    /// The operator rank of a principal: its highest role's ``Role/operatorRank``; the `admin` role (the CLI, a global
    /// admin API key) counts as a superuser. -1 for a principal with no operator role.
    public static func rank(of principal: Principal) -> Int {
        let top = Role.superuser.operatorRank!
        return principal.roles.map { $0 == .admin ? top : ($0.operatorRank ?? -1) }.max() ?? -1
    }

    /// Throws 403 unless `principal` may act on an operator with `role` in `tenantIDs` (create, change, disable, reset).
    ///
    /// - Why strictly lower: "an operator can never act on an operator of a higher role" and a tenant-admin manages
    ///   "operators of lower roles" (issue 15); an equal role would let two tenant-admins disable each other and let one
    ///   make more of itself. Superusers are the exception: someone must manage them, and only a global superuser can.
    /// - Why the target's tenants must all be the principal's: a tenant-admin of A must not touch an operator who also
    ///   works for B, or create one there ("never outside its tenants").
    /// - "Never raise their own privileges" follows: whatever a principal creates or changes ranks below it.
    public static func requireMayManage(role: Role, tenantIDs: Set<UUID>, by principal: Principal) throws(LifelineError) {
        guard let targetRank = role.operatorRank else { throw LifelineError(.invalidRequest, "an operator's role is one of auditor, helpdesk, useradmin, tenant-admin, superuser") }
        let own = rank(of: principal)
        if role == .superuser {
            guard own == Role.superuser.operatorRank!, principal.isGlobal else {
                throw LifelineError(.forbidden, "only a global superuser may manage superusers")
            }
            return
        }
        guard own > targetRank else { throw LifelineError(.forbidden, "an operator may only manage operators of a lower role") }
        guard !tenantIDs.isEmpty else { throw LifelineError(.invalidRequest, "an operator of this role needs at least one tenant") }
        guard principal.isGlobal || tenantIDs.allSatisfy(principal.mayAccess) else {
            throw LifelineError(.forbidden, "this principal may only manage operators of its own tenants")
        }
    }

    /// Throws 403 when `principal` is the operator `name`. Why: an operator must not disable, re-role or reset
    /// themselves — a compromised session could otherwise lock the owner out or (with a role change) escalate; their own
    /// password, TOTP and sessions they manage on their own pages.
    public static func requireNotSelf(_ name: String, _ principal: Principal) throws(LifelineError) {
        if principal.identity == .operator(name: name) { throw LifelineError(.forbidden, "an operator may not do this to themselves") }
    }
}
