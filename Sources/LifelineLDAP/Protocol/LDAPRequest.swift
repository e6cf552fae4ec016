import SwiftASN1

/// A secret that travels in a request (a bind password). Why a wrapper: an accidental `"\(request)"` in a log
/// line or an error message prints `<redacted>`, never the secret.
struct LDAPSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let bytes: [UInt8]
    init(_ string: String) { bytes = Array(string.utf8) }
    var description: String { "<redacted>" }
    var debugDescription: String { "<redacted>" }
    var customMirror: Mirror { Mirror(self, children: [:]) }
}

/// One change of a ModifyRequest (RFC 4511 §4.6).
struct LDAPModification: Sendable {
    enum Operation: Int, Sendable { case add = 0, delete = 1, replace = 2 }
    var operation: Operation
    var attribute: String
    /// The values; empty with `replace` removes the attribute (and is no error when it is absent), with `delete`
    /// removes all values.
    var values: [[UInt8]]
}

/// What a search asks for (RFC 4511 §4.5.1).
struct LDAPSearchRequest: Sendable {
    enum Scope: Int, Sendable { case baseObject = 0, singleLevel = 1, wholeSubtree = 2 }
    var baseDN: String
    var scope: Scope = .wholeSubtree
    /// Entries to return at most (0 = no client limit).
    var sizeLimit: Int = 0
    /// Seconds the server may spend (0 = no client limit).
    var timeLimit: Int = 0
    var filter: LDAPFilter
    /// Attributes to return; operational attributes (`pwdAccountLockedTime`) come only when named here.
    /// Empty means all user attributes; `["1.1"]` means none.
    var attributes: [String]
}

/// A request operation (RFC 4511 §4.2–4.12, the ones Lifeline needs).
enum LDAPOperation: Sendable {
    /// Simple bind, LDAPv3 (§4.2).
    case simpleBind(dn: String, password: LDAPSecret)
    /// §4.3: no response; the server closes the connection.
    case unbind
    case search(LDAPSearchRequest)
    case modify(dn: String, changes: [LDAPModification])
    /// §4.7 (the tests create their users with it).
    case add(dn: String, attributes: [(String, [[UInt8]])])
    /// §4.12: `requestName` and the BER-encoded `requestValue`.
    case extended(name: String, value: [UInt8]?)

    /// Whether the server answers (all but unbind).
    var expectsResponse: Bool { if case .unbind = self { false } else { true } }

    func encode(into s: inout DER.Serializer) {
        switch self {
        case .simpleBind(let dn, let password):
            // BindRequest ::= [APPLICATION 0] SEQUENCE { version INTEGER, name LDAPDN, authentication CHOICE { simple [0] OCTET STRING } }
            s.appendConstructedNode(identifier: .application(0)) { s in
                s.appendInteger(3)
                s.appendString(dn)
                s.appendOctets(password.bytes, tag: .context(0))
            }
        case .unbind:
            // UnbindRequest ::= [APPLICATION 2] NULL
            s.appendPrimitiveNode(identifier: .application(2)) { _ in }
        case .search(let r):
            // SearchRequest ::= [APPLICATION 3] SEQUENCE { baseObject, scope ENUMERATED, derefAliases ENUMERATED,
            //   sizeLimit INTEGER, timeLimit INTEGER, typesOnly BOOLEAN, filter Filter, attributes AttributeSelection }
            s.appendConstructedNode(identifier: .application(3)) { s in
                s.appendString(r.baseDN)
                s.appendInteger(r.scope.rawValue, tag: .enumerated)
                s.appendInteger(0, tag: .enumerated)  // neverDerefAliases
                s.appendInteger(r.sizeLimit)
                s.appendInteger(r.timeLimit)
                s.appendBoolean(false)
                r.filter.encode(into: &s)
                s.appendConstructedNode(identifier: .sequence) { s in
                    for a in r.attributes { s.appendString(a) }
                }
            }
        case .modify(let dn, let changes):
            // ModifyRequest ::= [APPLICATION 6] SEQUENCE { object LDAPDN, changes SEQUENCE OF change SEQUENCE {
            //   operation ENUMERATED, modification PartialAttribute ::= SEQUENCE { type, vals SET OF value } } }
            s.appendConstructedNode(identifier: .application(6)) { s in
                s.appendString(dn)
                s.appendConstructedNode(identifier: .sequence) { s in
                    for change in changes {
                        s.appendConstructedNode(identifier: .sequence) { s in
                            s.appendInteger(change.operation.rawValue, tag: .enumerated)
                            Self.appendAttribute(change.attribute, change.values, into: &s)
                        }
                    }
                }
            }
        case .add(let dn, let attributes):
            // AddRequest ::= [APPLICATION 8] SEQUENCE { entry LDAPDN, attributes SEQUENCE OF Attribute }
            s.appendConstructedNode(identifier: .application(8)) { s in
                s.appendString(dn)
                s.appendConstructedNode(identifier: .sequence) { s in
                    for (type, values) in attributes { Self.appendAttribute(type, values, into: &s) }
                }
            }
        case .extended(let name, let value):
            // ExtendedRequest ::= [APPLICATION 23] SEQUENCE { requestName [0] LDAPOID, requestValue [1] OCTET STRING OPTIONAL }
            s.appendConstructedNode(identifier: .application(23)) { s in
                s.appendString(name, tag: .context(0))
                if let value { s.appendOctets(value, tag: .context(1)) }
            }
        }
    }

    /// `SEQUENCE { type AttributeDescription, vals SET OF AttributeValue }`. The values keep their order: LDAP does
    /// not need DER's sorted SET OF, and a server compares them as a set anyway.
    private static func appendAttribute(_ type: String, _ values: [[UInt8]], into s: inout DER.Serializer) {
        s.appendConstructedNode(identifier: .sequence) { s in
            s.appendString(type)
            s.appendConstructedNode(identifier: .set) { s in
                for v in values { s.appendOctets(v) }
            }
        }
    }
}

/// `LDAPMessage ::= SEQUENCE { messageID MessageID, protocolOp CHOICE {...}, controls [0] Controls OPTIONAL }`
struct LDAPRequest: Sendable {
    var messageID: Int32
    var operation: LDAPOperation
    var controls: [LDAPControl] = []

    /// The complete message as sent on the wire.
    func encoded() -> [UInt8] {
        var s = DER.Serializer()
        s.appendConstructedNode(identifier: .sequence) { s in
            s.appendInteger(Int(messageID))
            operation.encode(into: &s)
            if !controls.isEmpty {
                s.appendConstructedNode(identifier: .context(0)) { s in
                    for c in controls { c.encode(into: &s) }
                }
            }
        }
        return s.serializedBytes
    }
}
