import LifelineCore
import SwiftASN1

/// OpenLDAP's password reset: the Password Modify extended operation (RFC 3062) with the password policy control,
/// and how its refusals map to ``DirectoryRefusal``.
enum PasswordModify {
    static let oid = "1.3.6.1.4.1.4203.1.11.1"

    /// `PasswdModifyRequestValue ::= SEQUENCE { userIdentity [0] OCTET STRING OPTIONAL,
    ///  oldPasswd [1] OCTET STRING OPTIONAL, newPasswd [2] OCTET STRING OPTIONAL }`.
    /// No old password: the user proved who they are in the recovery flow, and the service account may reset.
    static func requestValue(userIdentity: String, newPassword: String) -> [UInt8] {
        var s = DER.Serializer()
        s.appendConstructedNode(identifier: .sequence) { s in
            s.appendString(userIdentity, tag: .context(0))
            s.appendString(newPassword, tag: .context(2))
        }
        return s.serializedBytes
    }

    /// The ppolicy response control's `error` (draft-behera-ldap-password-policy §6.2), if the response has one:
    /// `PasswordPolicyResponseValue ::= SEQUENCE { warning [0] CHOICE {…} OPTIONAL, error [1] ENUMERATED OPTIONAL }`.
    static func policyError(in controls: [LDAPControl]) -> Int? {
        guard let control = controls.first(where: { $0.oid == LDAPControl.passwordPolicyOID }), let value = control.value,
              let root = try? BER.parse(value), let fields = try? root.children() else { return nil }
        return fields.first { $0.hasTag(.context(1)) }.flatMap { try? $0.integerValue() }
    }

    /// Why a failed reset failed, for the user: the policy control first (it names the rule), then the result code
    /// and slapd's diagnostic text, else a refusal or an outage.
    static func failure(_ result: LDAPResult, controls: [LDAPControl]) -> any Error {
        switch policyError(in: controls) {
        case 5?: return DirectoryRefusal.passwordQuality      // insufficientPasswordQuality
        case 6?: return DirectoryRefusal.passwordTooShort     // passwordTooShort
        case 7?: return DirectoryRefusal.passwordTooYoung     // passwordTooYoung
        case 8?: return DirectoryRefusal.passwordInHistory    // passwordInHistory
        case .some: return DirectoryRefusal.refused           // expired, locked, mustSupplyOldPassword, modNotAllowed…
        case nil: break
        }
        if result.resultCode == .constraintViolation {
            let text = result.diagnosticMessage.lowercased()
            if text.contains("history") { return DirectoryRefusal.passwordInHistory }
            if text.contains("young") || text.contains("too soon") || text.contains("too recent") { return DirectoryRefusal.passwordTooYoung }
            if text.contains("short") || text.contains("length") { return DirectoryRefusal.passwordTooShort }
            return DirectoryRefusal.passwordQuality
        }
        return LDAPDirectory.failure(result)
    }
}
