import LifelineCore
@testable import LifelineLDAP
import NIOCore
import NIOEmbedded
import Testing

private func ascii(_ s: String) -> String { hex(Array(s.utf8)) }

/// Encodings and decodings of the LDAP messages, checked against bytes worked out by hand (X.690, RFC 4511 App. B).
@Suite("LDAP protocol encoding")
struct LDAPProtocolTests {
    /// `30 12 | 02 01 01 | 60 0d { 02 01 03 | 04 04 "cn=a" | 80 02 "pw" }` — BindRequest [APPLICATION 0], version 3,
    /// simple [0] (15 bytes), message 3+15 = 18.
    @Test func bindRequest() {
        let request = LDAPRequest(messageID: 1, operation: .simpleBind(dn: "cn=a", password: LDAPSecret("pw")))
        #expect(hex(request.encoded()) == "3012" + "020101" + "600d" + "020103" + "0404" + ascii("cn=a") + "8002" + ascii("pw"))
    }

    /// SearchRequest [APPLICATION 3] (0x63), 55 content bytes: base 6, scope 3, deref 3, sizeLimit 3, timeLimit 3,
    /// typesOnly 3, filter `a3 08 {04 03 uid 04 01 a}` 10, attributes `30 16 {04 14 pwdAccountLockedTime}` 24.
    @Test func searchRequest() throws {
        let request = LDAPRequest(messageID: 2, operation: .search(LDAPSearchRequest(
            baseDN: "dc=x", scope: .wholeSubtree, sizeLimit: 2, timeLimit: 10, filter: try LDAPFilter.parse("(uid=a)"),
            attributes: ["pwdAccountLockedTime"])))
        #expect(hex(request.encoded()) == "303c" + "020102" + "6337" + "0404" + ascii("dc=x") + "0a0102" + "0a0100" + "020102"
            + "02010a" + "010100" + "a308" + "0403" + ascii("uid") + "0401" + ascii("a") + "3016" + "0414" + ascii("pwdAccountLockedTime"))
    }

    /// Password Modify (RFC 3062) with the ppolicy request control:
    ///
    ///     30 57                                       87 bytes
    ///       02 01 03
    ///       77 33                                     ExtendedRequest [APPLICATION 23], 51 bytes
    ///         80 17 "1.3.6.1.4.1.4203.1.11.1"         requestName [0] (23 bytes)
    ///         81 18                                   requestValue [1] (24 bytes):
    ///           30 16 { 80 0a "uid=a,dc=x"  82 08 "secret12" }   userIdentity [0], newPasswd [2]
    ///       a0 1d                                     controls [0], 29 bytes
    ///         30 1b { 04 19 "1.3.6.1.4.1.42.2.27.8.5.1" }        criticality FALSE is left out (DER DEFAULT)
    @Test func passwordModifyWithPolicyControl() {
        let value = PasswordModify.requestValue(userIdentity: "uid=a,dc=x", newPassword: "secret12")
        #expect(hex(value) == "3016" + "800a" + ascii("uid=a,dc=x") + "8208" + ascii("secret12"))
        let request = LDAPRequest(messageID: 3, operation: .extended(name: PasswordModify.oid, value: value),
                                  controls: [.passwordPolicyRequest])
        #expect(hex(request.encoded()) == "3057" + "020103" + "7733" + "8017" + ascii("1.3.6.1.4.1.4203.1.11.1") + "8118" + hex(value)
            + "a01d" + "301b" + "0419" + ascii("1.3.6.1.4.1.42.2.27.8.5.1"))
    }

    /// Modify with the critical Relax Rules control and a "replace with no values":
    /// change = `30 LL { 0a 01 02  30 LL { 04 LL type  31 00 } }`; control `30 1e { 04 19 oid  01 01 ff }`.
    @Test func unlockModifyWithRelaxControl() {
        let request = LDAPRequest(messageID: 4, operation: .modify(dn: "uid=a", changes: [
            LDAPModification(operation: .replace, attribute: "pwdFailureTime", values: []),
        ]), controls: [.relaxRules])
        // change: 3 + (2+14 + 2) + 2 = 23 → 30 17 with 30 12 inside; changes 30 19; modify 7 + 27 = 34 → 66 22
        // control: 04 19 (25-byte OID) + 01 01 ff = 30 → 30 1e; a0 20; message 3 + 36 + 34 = 73 → 30 49
        #expect(hex(request.encoded()) == "3049" + "020104" + "6622" + "0405" + ascii("uid=a") + "3019" + "3017" + "0a0102" + "3012"
            + "040e" + ascii("pwdFailureTime") + "3100" + "a020" + "301e" + "0419" + ascii("1.3.6.1.4.1.4203.666.5.12") + "0101ff")
    }

    @Test func integers() {
        for (value, expected) in [(0, "00"), (127, "7f"), (128, "0080"), (256, "0100"), (-1, "ff"), (-128, "80"), (-129, "ff7f"),
                                  (Int(Int32.max), "7fffffff")] {
            #expect(hex(BERInteger.encode(value)) == expected, "\(value)")
            #expect(BERInteger.decode(BERInteger.encode(value)[...]) == value)
        }
    }

    /// An ExtendedResponse the way slapd's liblber writes it (4-byte long-form lengths, `84 00 00 00 LL`), with a
    /// ppolicy response control whose error is passwordTooShort (6): `30 03 81 01 06`.
    static let refusedPasswordModify = bytes(hex: "30 84 00 00 00 47  02 01 07"
        + "78 84 00 00 00 10  0a 01 13  04 00  04 09" + ascii("too short")
        + "a0 84 00 00 00 28  30 84 00 00 00 22  04 19" + ascii("1.3.6.1.4.1.42.2.27.8.5.1") + "04 05 30 03 81 01 06")

    @Test func decodesAResponseWithLongFormLengthsAndAControl() throws {
        let response = try LDAPResponse(berEncoded: Self.refusedPasswordModify)
        #expect(response.messageID == 7)
        let result = LDAPResult(resultCode: .constraintViolation, diagnosticMessage: "too short")
        #expect(response.operation == .extended(result, name: nil, value: nil))
        #expect(response.controls == [LDAPControl(oid: LDAPControl.passwordPolicyOID, value: bytes(hex: "3003810106"))])
        #expect(PasswordModify.policyError(in: response.controls) == 6)
        #expect(PasswordModify.failure(result, controls: response.controls) as? DirectoryRefusal == .passwordTooShort)
    }

    @Test func policyErrorsMapToRefusals() {
        let violation = LDAPResult(resultCode: .constraintViolation)
        func control(_ error: UInt8) -> [LDAPControl] {
            [LDAPControl(oid: LDAPControl.passwordPolicyOID, value: [0x30, 0x03, 0x81, 0x01, error])]
        }
        #expect(PasswordModify.failure(violation, controls: control(5)) as? DirectoryRefusal == .passwordQuality)
        #expect(PasswordModify.failure(violation, controls: control(6)) as? DirectoryRefusal == .passwordTooShort)
        #expect(PasswordModify.failure(violation, controls: control(7)) as? DirectoryRefusal == .passwordTooYoung)
        #expect(PasswordModify.failure(violation, controls: control(8)) as? DirectoryRefusal == .passwordInHistory)
        #expect(PasswordModify.failure(violation, controls: control(3)) as? DirectoryRefusal == .refused)
        // Without the control, slapd's diagnostic text.
        func text(_ s: String) -> DirectoryRefusal? {
            PasswordModify.failure(LDAPResult(resultCode: .constraintViolation, diagnosticMessage: s), controls: []) as? DirectoryRefusal
        }
        #expect(text("Password is in history of old passwords") == .passwordInHistory)
        #expect(text("Password is too young to change") == .passwordTooYoung)
        #expect(text("Password is too short for policy") == .passwordTooShort)
        #expect(text("Password fails quality checking policy") == .passwordQuality)
        #expect(PasswordModify.failure(LDAPResult(resultCode: .insufficientAccessRights), controls: []) as? DirectoryRefusal == .refused)
        #expect(PasswordModify.failure(LDAPResult(resultCode: .unwillingToPerform), controls: []) as? DirectoryRefusal == .refused)
        #expect(PasswordModify.failure(LDAPResult(resultCode: .unavailable), controls: []) is DirectoryUnavailable)
    }

    @Test func decodesASearchEntry() throws {
        // 30 LL 02 01 09 64 LL { 04 03 "u=a"  30 LL { 30 LL { 04 14 pwdAccountLockedTime  31 LL { 04 0f 20261123154500Z } } } }
        let value = ascii("20261123154500Z")
        let attribute = "0414" + ascii("pwdAccountLockedTime") + "3111" + "040f" + value        // 22 + 19 = 41
        let entry = "0403" + ascii("u=a") + "302b" + "3029" + attribute                    // 5 + 45 = 50
        let response = try LDAPResponse(berEncoded: bytes(hex: "3037" + "020109" + "6432" + entry))
        guard case .searchEntry(let e) = response.operation else { Issue.record("not an entry"); return }
        #expect(e.dn == "u=a")
        #expect(e.values("pwdaccountlockedtime") == [Array("20261123154500Z".utf8)])
        #expect(LDAPDirectory.isLocked(e, flavor: .openldap))
    }

    @Test(arguments: ["", "3000", "30030201", "3005020101" + "0a00", "300602010161010a"])
    func rejectsMalformedMessages(text: String) {
        #expect(throws: LDAPError.self) { try LDAPResponse(berEncoded: bytes(hex: text)) }
    }
}

@Suite("LDAP framing and connection handler")
struct LDAPFramingTests {
    @Test func framesMessagesSplitAndJoinedArbitrarily() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LDAPFrameDecoder()))
        let one = LDAPProtocolTests.refusedPasswordModify
        let two = bytes(hex: "300c02010261070a010004000400")   // a BindResponse, success
        let stream = one + two + one
        // Byte by byte for the first part, then the rest in one piece.
        for b in stream.prefix(30) { try channel.writeInbound(ByteBuffer(bytes: [b])) }
        try channel.writeInbound(ByteBuffer(bytes: stream.dropFirst(30)))
        let frames = try [channel.readInbound(as: LDAPFrame.self), channel.readInbound(as: LDAPFrame.self), channel.readInbound(as: LDAPFrame.self)]
        #expect(frames.map { $0?.bytes } == [one, two, one])
        #expect(frames.map { $0?.followedByMoreBytes } == [true, true, false])
        #expect(try channel.finish().isClean)
    }

    @Test(arguments: ["0400", "3080", "3085ffffffffff", "3084ffffffff"])
    func refusesBadHeaders(text: String) throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LDAPFrameDecoder()))
        #expect(throws: (any Error).self) { try channel.writeInbound(ByteBuffer(bytes: bytes(hex: text))) }
    }

    private func connected() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LDAPFrameDecoder()))
        try channel.pipeline.syncOperations.addHandler(LDAPClientHandler())
        return channel
    }

    private func send(_ channel: EmbeddedChannel, id: Int32, startTLS: StartTLSUpgrade? = nil) throws -> EventLoopFuture<[LDAPResponse]> {
        let promise = channel.eventLoop.makePromise(of: [LDAPResponse].self)
        let bytes = LDAPRequest(messageID: id, operation: .extended(name: "1.3.6.1.4.1.1466.20037", value: nil)).encoded()
        try channel.writeOutbound(LDAPOutbound(messageID: id, bytes: ByteBuffer(bytes: bytes), responses: promise, startTLS: startTLS))
        return promise.futureResult
    }

    /// `30 0c 02 01 ID 78 07 0a 01 00 04 00 04 00`: an ExtendedResponse with success.
    private func success(_ id: UInt8) -> [UInt8] { bytes(hex: "300c0201") + [id] + bytes(hex: "78070a010004000400") }

    @Test func matchesResponsesToRequestsInAnyOrder() throws {
        let channel = try connected()
        let a = try send(channel, id: 1)
        let b = try send(channel, id: 2)
        try channel.writeInbound(ByteBuffer(bytes: success(2)))
        try channel.writeInbound(ByteBuffer(bytes: success(1)))
        #expect(try b.wait().first?.messageID == 2)
        #expect(try a.wait().first?.messageID == 1)
        _ = try channel.finish()
    }

    @Test func noticeOfDisconnectionFailsEveryPendingRequest() throws {
        let channel = try connected()
        let a = try send(channel, id: 1)
        // 30 LL 02 01 00 78 LL { 0a 01 34 (unavailable) 04 00 04 00  8a 16 "1.3.6.1.4.1.1466.20036" }
        let notice = bytes(hex: "3024" + "020100" + "781f" + "0a0134" + "0400" + "0400" + "8a16" + ascii("1.3.6.1.4.1.1466.20036"))
        try channel.writeInbound(ByteBuffer(bytes: notice))
        let error = #expect(throws: LDAPError.self) { try a.wait() }
        guard case .connectionClosed(let text) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(text.contains("notice of disconnection"))
        #expect(!channel.isActive)
    }

    @Test func aResponseToNoPendingRequestClosesTheConnection() throws {
        let channel = try connected()
        let a = try send(channel, id: 1)
        try channel.writeInbound(ByteBuffer(bytes: success(9)))
        #expect(throws: LDAPError.self) { try a.wait() }
        #expect(!channel.isActive)
    }

    /// Bytes that arrive in clear text right behind the StartTLS response were not sent by the server over TLS;
    /// they end the connection instead of being read later as if protected.
    @Test func dataAfterTheStartTLSResponseIsRefused() throws {
        let channel = try connected()
        let upgrade = StartTLSUpgrade(context: try LDAPTLS.makeContext(caFile: nil), serverHostname: "localhost")
        let start = try send(channel, id: 1, startTLS: upgrade)
        try channel.writeInbound(ByteBuffer(bytes: success(1) + bytes(hex: "3003")))
        let error = #expect(throws: LDAPError.self) { try start.wait() }
        guard case .protocolError(let text) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(text.contains("StartTLS"))
        #expect(!channel.isActive)
    }

    @Test func requestsAfterTheConnectionFailedAreNotSent() throws {
        let channel = try connected()
        _ = try send(channel, id: 1)
        _ = try? channel.writeInbound(ByteBuffer(bytes: bytes(hex: "0400")))   // not an LDAPMessage: the connection fails
        #expect(!channel.isActive)
        // The way LDAPConnection.send writes: the handler or, once the pipeline is gone, the failed write answers.
        let late = channel.eventLoop.makePromise(of: [LDAPResponse].self)
        channel.writeAndFlush(LDAPOutbound(messageID: 2, bytes: ByteBuffer(), responses: late, startTLS: nil)).whenFailure {
            late.fail(LDAPClientHandler.unsent($0))
        }
        let error = #expect(throws: LDAPError.self) { try late.futureResult.wait() }
        guard case .notSent = error else { Issue.record("\(String(describing: error))"); return }
    }
}

@Suite("LDAP settings")
struct LDAPSettingsTests {
    @Test func parsesURLs() throws {
        #expect(try LDAPEndpoint(url: "ldap://dc1.example.org") == LDAPEndpoint(host: "dc1.example.org", port: 389, implicitTLS: false))
        #expect(try LDAPEndpoint(url: "LDAPS://dc1.example.org:3269/") == LDAPEndpoint(host: "dc1.example.org", port: 3269, implicitTLS: true))
        #expect(try LDAPEndpoint(url: "ldaps://[::1]") == LDAPEndpoint(host: "::1", port: 636, implicitTLS: true))
        #expect(try LDAPEndpoint(url: "ldap://[2001:db8::1]:1389") == LDAPEndpoint(host: "2001:db8::1", port: 1389, implicitTLS: false))
        for bad in ["http://x", "ldap://", "ldap://x:0", "ldap://x:99999", "ldap://x/dc=a", "ldap://u@x", "ldap://x?uid", "ldap://[::1"] {
            #expect(throws: LDAPError.self, "\(bad)") { try LDAPEndpoint(url: bad) }
        }
        #expect(try LDAPEndpoint(url: "ldap://127.0.0.1").isLoopback)
        #expect(try LDAPEndpoint(url: "ldap://localhost").isLoopback)
        #expect(try LDAPEndpoint(url: "ldap://[::1]").isLoopback)
        #expect(try !LDAPEndpoint(url: "ldap://10.0.0.1").isLoopback)
        #expect(try LDAPEndpoint(url: "ldap://127.0.0.1").tlsServerName == nil)
        #expect(try LDAPEndpoint(url: "ldap://dc1.example.org").tlsServerName == "dc1.example.org")
    }

    private func settings(url: String = "ldaps://dc1.example.org", startTLS: Bool = false, filter: String? = nil,
                          flavor: LDAPSettings.Flavor = .openldap, timeout: Int = 10) -> LDAPSettings {
        LDAPSettings(url: url, startTLS: startTLS, bindDN: "cn=svc", bindPasswordEnv: "X", baseDN: "dc=x", userFilter: filter,
                     flavor: flavor, timeout: timeout)
    }

    @Test func validConfigurations() throws {
        try LDAPDirectory.validate(settings())
        try LDAPDirectory.validate(settings(url: "ldap://dc1.example.org", startTLS: true))
        try LDAPDirectory.validate(settings(url: "ldap://127.0.0.1:1389"))   // clear text to loopback only
        try LDAPDirectory.validate(settings(flavor: .activeDirectory))
    }

    @Test func invalidConfigurations() {
        let bad: [LDAPSettings] = [
            settings(url: "ldap://dc1.example.org"),                  // passwords in clear text over the network
            settings(url: "ldaps://dc1.example.org", startTLS: true),  // StartTLS inside TLS
            settings(url: "ldap://127.0.0.1", flavor: .activeDirectory),
            settings(filter: "(uid=alice)"),                           // the same entry for every username
            settings(filter: "(uid={username}"),
            settings(timeout: 0),
            settings(url: "ftp://x"),
        ]
        for s in bad {
            #expect(throws: DirectoryUnavailable.self, "\(s)") { try LDAPDirectory.validate(s) }
        }
    }

    @Test func anInvalidConfigurationFailsEveryOperation() async {
        let directory = LDAPDirectory(settings: settings(filter: "(uid=alice)"), secrets: testSecrets, logger: testLogger)
        await #expect(throws: DirectoryUnavailable.self) { try await directory.account(username: "alice") }
        await #expect(throws: DirectoryUnavailable.self) { try await directory.unlock(DirectoryAccount(reference: "uid=a", locked: true)) }
        await directory.shutdown()
    }
}
