import SwiftASN1

/// An entry of a search result (RFC 4511 §4.5.2).
struct LDAPEntry: Sendable, Equatable {
    var dn: String
    /// Attribute descriptions as the server spelled them, with their values.
    var attributes: [String: [[UInt8]]]

    /// The values of `name` (attribute names are case-insensitive, §2.5 of RFC 4512).
    func values(_ name: String) -> [[UInt8]] {
        if let v = attributes[name] { return v }
        let lower = name.lowercased()
        return attributes.first { $0.key.lowercased() == lower }?.value ?? []
    }
}

/// A response operation (RFC 4511 §4.2–4.13, the ones Lifeline reads).
enum LDAPResponseOperation: Sendable, Equatable {
    case bind(LDAPResult)
    case searchEntry(LDAPEntry)
    case searchReference([String])
    case searchDone(LDAPResult)
    case modify(LDAPResult)
    case add(LDAPResult)
    /// ExtendedResponse: the result, `responseName` and the BER-encoded `responseValue`.
    case extended(LDAPResult, name: String?, value: [UInt8]?)
    /// IntermediateResponse (§4.13): part of a longer answer, never the end of one.
    case intermediate
    /// Any other response (delete, modDN, compare): ends its request.
    case other(tag: UInt, LDAPResult)

    /// The result that ends a request; nil for the parts that come before it.
    var result: LDAPResult? {
        switch self {
        case .bind(let r), .searchDone(let r), .modify(let r), .add(let r), .extended(let r, _, _), .other(_, let r): r
        case .searchEntry, .searchReference, .intermediate: nil
        }
    }
}

/// A message from the server.
struct LDAPResponse: Sendable, Equatable {
    /// 0 for an unsolicited notification (§4.4).
    var messageID: Int32
    var operation: LDAPResponseOperation
    var controls: [LDAPControl]

    /// Unsolicited Notice of Disconnection (§4.4.1): the server is about to close the connection.
    static let noticeOfDisconnectionOID = "1.3.6.1.4.1.1466.20036"

    /// Decodes one complete LDAPMessage (the framing decoder delivers exactly one).
    init(berEncoded bytes: [UInt8]) throws(LDAPError) {
        let root: ASN1Node
        do { root = try BER.parse(bytes) } catch { throw .protocolError("malformed BER: \(error)") }
        let parts = try root.children()
        guard root.hasTag(.sequence), parts.count >= 2, parts[0].hasTag(.integer) else { throw .protocolError("not an LDAPMessage") }
        let id = try parts[0].integerValue()
        guard let messageID = Int32(exactly: id), messageID >= 0 else { throw .protocolError("bad messageID \(id)") }
        self.messageID = messageID
        let op = parts[1]
        guard op.identifier.tagClass == .application else { throw .protocolError("protocolOp is not an APPLICATION tag") }
        switch op.identifier.tagNumber {
        case 1: operation = .bind(try Self.result(op))
        case 4: operation = .searchEntry(try Self.entry(op))
        case 5: operation = .searchDone(try Self.result(op))
        case 7: operation = .modify(try Self.result(op))
        case 9: operation = .add(try Self.result(op))
        case 19: operation = .searchReference(try op.children().map { n throws(LDAPError) in try n.stringValue() })
        case 24:
            let fields = try op.children()
            let result = try Self.result(op)
            var name: String?
            var value: [UInt8]?
            for f in fields.dropFirst(3) {
                if f.hasTag(.context(10)) { name = try f.stringValue() }
                if f.hasTag(.context(11)) { value = Array(try f.primitiveBytes()) }
            }
            operation = .extended(result, name: name, value: value)
        case 25: operation = .intermediate
        case 11, 13, 15: operation = .other(tag: op.identifier.tagNumber, try Self.result(op))
        case let n: throw .protocolError("unexpected protocolOp [APPLICATION \(n)]")
        }
        controls = []
        if parts.count > 2 {
            guard parts[2].hasTag(.context(0)) else { throw .protocolError("unexpected element after protocolOp") }
            controls = try parts[2].children().map { n throws(LDAPError) in try LDAPControl(decoding: n) }
        }
    }

    /// `LDAPResult ::= SEQUENCE { resultCode ENUMERATED, matchedDN LDAPDN, diagnosticMessage LDAPString, referral [3] OPTIONAL }`
    /// (its components open every response that has one).
    private static func result(_ op: ASN1Node) throws(LDAPError) -> LDAPResult {
        let f = try op.children()
        guard f.count >= 3, f[0].hasTag(.enumerated) else { throw .protocolError("bad LDAPResult") }
        var referrals: [String] = []
        if f.count > 3, f[3].hasTag(.context(3)) {
            referrals = try f[3].children().map { n throws(LDAPError) in try n.stringValue() }
        }
        return LDAPResult(resultCode: LDAPResultCode(rawValue: try f[0].integerValue()), matchedDN: try f[1].stringValue(),
                          diagnosticMessage: try f[2].stringValue(), referrals: referrals)
    }

    /// `SearchResultEntry ::= [APPLICATION 4] SEQUENCE { objectName LDAPDN, attributes SEQUENCE OF PartialAttribute }`
    private static func entry(_ op: ASN1Node) throws(LDAPError) -> LDAPEntry {
        let f = try op.children()
        guard f.count == 2 else { throw .protocolError("bad SearchResultEntry") }
        var attributes: [String: [[UInt8]]] = [:]
        for attribute in try f[1].children() {
            let a = try attribute.children()
            guard a.count == 2 else { throw .protocolError("bad PartialAttribute") }
            attributes[try a[0].stringValue(), default: []] += try a[1].children().map { n throws(LDAPError) in Array(try n.primitiveBytes()) }
        }
        return LDAPEntry(dn: try f[0].stringValue(), attributes: attributes)
    }
}
