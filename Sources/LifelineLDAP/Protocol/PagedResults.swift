import SwiftASN1

/// The Simple Paged Results control (RFC 2696, `1.2.840.113556.1.4.319`): a search asks for `size` entries at a
/// time and passes back the cookie of the previous page; an empty cookie ends the search. OpenLDAP and Active
/// Directory both offer it (AD answers at most MaxPageSize entries, 1000 by default, without it).
enum PagedResults {
    static let oid = "1.2.840.113556.1.4.319"

    /// `realSearchControlValue ::= SEQUENCE { size INTEGER (0..maxInt), cookie OCTET STRING }`. Not critical: a server
    /// without paging answers the whole search, which is then the only page.
    static func request(size: Int, cookie: [UInt8]) -> LDAPControl {
        var s = DER.Serializer()
        s.appendConstructedNode(identifier: .sequence) { s in
            s.appendInteger(size)
            s.appendOctets(cookie)
        }
        return LDAPControl(oid: oid, critical: false, value: s.serializedBytes)
    }

    /// The cookie of the response control, nil when the response has no paged-results control (the server does not
    /// page: this was the only page). An empty cookie means the last page.
    static func cookie(in controls: [LDAPControl]) throws(LDAPError) -> [UInt8]? {
        guard let control = controls.first(where: { $0.oid == oid }) else { return nil }
        guard let value = control.value else { throw .protocolError("paged results control without a value") }
        let root: ASN1Node
        do { root = try BER.parse(value) } catch { throw .protocolError("malformed paged results control: \(error)") }
        let fields = try root.children()
        guard fields.count == 2, fields[0].hasTag(.integer), fields[1].hasTag(.octetString) else {
            throw .protocolError("malformed paged results control")
        }
        return Array(try fields[1].primitiveBytes())
    }
}
