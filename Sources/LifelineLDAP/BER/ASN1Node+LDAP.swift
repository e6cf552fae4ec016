import SwiftASN1

/// Decoding helpers: LDAP responses are read from the parsed BER tree node by node.
extension ASN1Node {
    /// The content octets of a primitive node.
    func primitiveBytes() throws(LDAPError) -> ArraySlice<UInt8> {
        guard case .primitive(let bytes) = content else { throw .protocolError("expected a primitive \(identifier)") }
        return bytes
    }

    /// The child nodes of a constructed node.
    func children() throws(LDAPError) -> [ASN1Node] {
        guard case .constructed(let nodes) = content else { throw .protocolError("expected a constructed \(identifier)") }
        return Array(nodes)
    }

    /// An INTEGER or ENUMERATED value.
    func integerValue() throws(LDAPError) -> Int {
        guard let v = BERInteger.decode(try primitiveBytes()) else { throw .protocolError("bad integer in \(identifier)") }
        return v
    }

    /// An OCTET STRING read as UTF-8 (LDAPString, LDAPDN, LDAPOID).
    func stringValue() throws(LDAPError) -> String {
        let bytes = try primitiveBytes()
        guard let s = String(validating: bytes, as: UTF8.self) else { throw .protocolError("string is not UTF-8") }
        return s
    }

    /// A BOOLEAN value (BER: any non-zero octet is TRUE).
    func booleanValue() throws(LDAPError) -> Bool {
        let bytes = try primitiveBytes()
        guard bytes.count == 1 else { throw .protocolError("bad boolean") }
        return bytes.first != 0
    }

    /// True when the tag is `[class number]`.
    func hasTag(_ identifier: ASN1Identifier) -> Bool {
        self.identifier.tagNumber == identifier.tagNumber && self.identifier.tagClass == identifier.tagClass
    }
}
