import SwiftASN1

/// Encoding helpers for the LDAP message types (RFC 4511 §5.1: BER with definite lengths; DER is a subset of that).
extension DER.Serializer {
    /// An OCTET STRING (or an implicitly tagged one) holding `bytes`.
    mutating func appendOctets(_ bytes: some Sequence<UInt8>, tag: ASN1Identifier = .octetString) {
        appendPrimitiveNode(identifier: tag) { $0.append(contentsOf: bytes) }
    }

    /// An OCTET STRING holding the UTF-8 of `string` (LDAPString, LDAPDN, LDAPOID, AttributeDescription).
    mutating func appendString(_ string: String, tag: ASN1Identifier = .octetString) {
        appendOctets(Array(string.utf8), tag: tag)
    }

    /// An INTEGER (or ENUMERATED, or an implicitly tagged one): big-endian two's complement in the fewest octets.
    mutating func appendInteger(_ value: Int, tag: ASN1Identifier = .integer) {
        appendPrimitiveNode(identifier: tag) { $0.append(contentsOf: BERInteger.encode(value)) }
    }

    /// A BOOLEAN; TRUE is 0xFF as DER requires (BER allows any non-zero octet).
    mutating func appendBoolean(_ value: Bool, tag: ASN1Identifier = .boolean) {
        appendPrimitiveNode(identifier: tag) { $0.append(value ? 0xFF : 0x00) }
    }
}

/// Tags of the LDAP grammar (RFC 4511 Appendix B uses APPLICATION and context-specific tags).
extension ASN1Identifier {
    /// `[APPLICATION n]`.
    static func application(_ number: UInt) -> ASN1Identifier { ASN1Identifier(tagWithNumber: number, tagClass: .application) }
    /// `[n]` (context-specific).
    static func context(_ number: UInt) -> ASN1Identifier { ASN1Identifier(tagWithNumber: number, tagClass: .contextSpecific) }
}

/// INTEGER content octets (X.690 §8.3).
enum BERInteger {
    /// The minimal two's complement big-endian octets of `value`.
    static func encode(_ value: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var v = value
        repeat {
            bytes.insert(UInt8(truncatingIfNeeded: v), at: 0)
            v >>= 8
        } while !(v == 0 && bytes[0] & 0x80 == 0) && !(v == -1 && bytes[0] & 0x80 != 0)
        return bytes
    }

    /// The value of INTEGER content octets; nil when empty or wider than 64 bits.
    static func decode(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard let first = bytes.first, bytes.count <= 8 else { return nil }
        var v: Int = first & 0x80 != 0 ? -1 : 0
        for b in bytes { v = (v << 8) | Int(b) }
        return v
    }
}
