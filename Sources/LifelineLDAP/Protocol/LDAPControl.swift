import SwiftASN1

/// A control attached to a request or a response (RFC 4511 §4.1.11).
struct LDAPControl: Sendable, Equatable {
    var oid: String
    var critical: Bool
    /// The BER-encoded controlValue, when the control has one.
    var value: [UInt8]?

    init(oid: String, critical: Bool = false, value: [UInt8]? = nil) { self.oid = oid; self.critical = critical; self.value = value }

    /// Password policy request control (draft-behera-ldap-password-policy §6.1): asks the server to say which
    /// rule refused a password, in a response control of the same OID (``PasswordPolicyResponse``).
    static let passwordPolicyOID = "1.3.6.1.4.1.42.2.27.8.5.1"
    static let passwordPolicyRequest = LDAPControl(oid: passwordPolicyOID)

    /// Relax Rules control (draft-zeilenga-ldap-relax, OpenLDAP): lets an account with `manage` access change
    /// attributes marked NO-USER-MODIFICATION, such as ppolicy's `pwdFailureTime`.
    static let relaxRules = LDAPControl(oid: "1.3.6.1.4.1.4203.666.5.12", critical: true)

    /// `Control ::= SEQUENCE { controlType LDAPOID, criticality BOOLEAN DEFAULT FALSE, controlValue OCTET STRING OPTIONAL }`
    func encode(into s: inout DER.Serializer) {
        s.appendConstructedNode(identifier: .sequence) { s in
            s.appendString(oid)
            // DER leaves out a value equal to its DEFAULT.
            if critical { s.appendBoolean(true) }
            if let value { s.appendOctets(value) }
        }
    }

    init(decoding node: ASN1Node) throws(LDAPError) {
        let parts = try node.children()
        guard node.hasTag(.sequence), let first = parts.first else { throw .protocolError("bad control") }
        oid = try first.stringValue()
        critical = false
        value = nil
        for part in parts.dropFirst() {
            if part.hasTag(.boolean) { critical = try part.booleanValue() }
            else if part.hasTag(.octetString) { value = Array(try part.primitiveBytes()) }
            else { throw .protocolError("bad control \(oid)") }
        }
    }
}
