/// Comparisons whose duration does not depend on where two secrets differ.
public enum ConstantTime {
    /// True when `a` and `b` are equal. Why constant time: an early exit would let an attacker who can time
    /// responses learn a code or key hash byte by byte. Only the lengths (public: codes have a fixed length
    /// per token, hashes a fixed size) may end the comparison early.
    @inline(never)
    public static func equals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }

    /// String form of ``equals(_:_:)`` over the UTF-8 bytes.
    public static func equals(_ a: String, _ b: String) -> Bool {
        equals(Array(a.utf8), Array(b.utf8))
    }
}
