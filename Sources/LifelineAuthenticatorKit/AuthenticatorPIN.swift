import Foundation

/// The PIN rule shared by the app and the server: n digits (the organization's length, 4–8), and none of the PINs
/// everyone tries first. The server never sees the PIN: it checks a new PIN's verifier against the verifiers of
/// ``weakPINs(length:)`` (computed with the app's `pinKey`), so it can refuse 0000 without learning the PIN.
public enum AuthenticatorPIN {
    /// Whether `pin` is digits only, of a supported length.
    public static func isWellFormed(_ pin: String) -> Bool {
        AuthenticatorCode.pinLengths.contains(pin.utf8.count) && pin.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Whether `pin` is one of ``weakPINs(length:)``.
    public static func isWeak(_ pin: String) -> Bool { weakPINs(length: pin.utf8.count).contains(pin) }

    /// The refused PINs of a length: one digit repeated (0000), ascending or descending runs (1234, 9876, 0123), two
    /// digits alternating (1212), and, for 4 digits, the few that lead published PIN frequency lists (Berry, "PIN
    /// analysis", 2012: 1234, 1111, 0000, 1212, 7777, 1004, 2000, 4444, 2222, 6969, 9999, 3333, 5555, 6666, 1122,
    /// 1313, 8888, 4321, 2001, 1010, 2580). Why refuse them: with 3 attempts, a thief's first three tries are these.
    public static func weakPINs(length n: Int) -> Set<String> {
        guard AuthenticatorCode.pinLengths.contains(n) else { return [] }
        var out = Set<String>()
        let d = Array("0123456789")
        for a in 0..<10 {
            out.insert(String(repeating: d[a], count: n))
            if a + n <= 10 { out.insert(String(d[a..<(a + n)])) ; out.insert(String(d[a..<(a + n)].reversed())) }
            for b in 0..<10 where b != a { out.insert(String((0..<n).map { $0 % 2 == 0 ? d[a] : d[b] })) }
        }
        if n == 4 { out.formUnion(["1004", "2000", "6969", "1122", "1313", "2001", "1010", "2580", "0852", "1379"]) }
        return out
    }
}
