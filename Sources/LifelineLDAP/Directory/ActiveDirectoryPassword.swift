import LifelineCore

/// Active Directory's password reset and unlock: modifications of `unicodePwd` and `lockoutTime`
/// ([MS-ADTS] 3.1.1.3.1.5.1 "unicodePwd"; 2.2 of [MS-SAMR] for the lockout).
enum ActiveDirectoryPassword {
    /// The `unicodePwd` value: the password in double quotes, encoded as UTF-16LE (no byte order mark), as AD
    /// requires for a password set by an administrator.
    static func unicodePwd(_ password: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for unit in ("\"" + password + "\"").utf16 {
            bytes.append(UInt8(truncatingIfNeeded: unit))
            bytes.append(UInt8(truncatingIfNeeded: unit >> 8))
        }
        return bytes
    }

    /// Replace `unicodePwd`: an administrative reset (no old password; the delete-old/add-new pair would be the
    /// user's own change).
    static func resetModification(_ password: String) -> LDAPModification {
        LDAPModification(operation: .replace, attribute: "unicodePwd", values: [unicodePwd(password)])
    }

    /// `lockoutTime = 0` clears the lockout (AD accepts only 0 here).
    static let unlockModification = LDAPModification(operation: .replace, attribute: "lockoutTime", values: [Array("0".utf8)])

    /// AD answers a password that breaks its policy (length, complexity, history, minimum age alike) with
    /// constraintViolation and the Win32 code 0000052D (ERROR_PASSWORD_RESTRICTION) in the diagnostic; it does not
    /// say which rule, so all of them are `passwordQuality`.
    static func failure(_ result: LDAPResult) -> any Error {
        if result.resultCode == .constraintViolation || result.diagnosticMessage.uppercased().contains("0000052D") {
            return DirectoryRefusal.passwordQuality
        }
        return LDAPDirectory.failure(result)
    }
}
