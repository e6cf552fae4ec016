import LifelineCore
@testable import LifelineLDAP
import Testing

/// LDAPS and StartTLS against the test slapd, whose certificate (for localhost and 127.0.0.1) is signed by the
/// test CA: the right CA works, any other trust fails, and so does a host name the certificate does not name.
@Suite("LDAP over TLS against slapd")
struct LDAPTLSTests {
    @Test(arguments: ["localhost", "127.0.0.1"])
    func startTLSWithTheRightCA(host: String) async throws {
        let server = try TestLDAPServer.current()
        let user = try await server.createUser("starttls")
        let settings = server.settings(url: "ldap://\(host):\(try server.port)", startTLS: true, caFile: server.caFile)
        try await withDirectory(settings) { directory async throws in
            let account = try #require(try await directory.account(username: user.uid))
            try await directory.resetPassword(account, newPassword: "over-starttls-1")
        }
        #expect(try await server.canBind(user.dn, "over-starttls-1"))
    }

    @Test func ldapsWithTheRightCA() async throws {
        let server = try TestLDAPServer.current()
        let user = try await server.createUser("ldaps")
        try await withDirectory(server.settings(url: server.ldapsURL, caFile: server.caFile)) { directory async throws in
            let account = try #require(try await directory.account(username: user.uid))
            #expect(account.reference == user.dn)
            try await directory.resetPassword(account, newPassword: "over-ldaps-1")
        }
        #expect(try await server.canBind(user.dn, "over-ldaps-1"))
    }

    @Test func ldapsWithAnIPAddressChecksTheCertificatesIPEntry() async throws {
        let server = try TestLDAPServer.current()
        try await withDirectory(server.settings(url: "ldaps://127.0.0.1:\(try server.ldapsPort)", caFile: server.caFile)) { directory async throws in
            #expect(try await directory.account(username: "nobody-here") == nil)
        }
    }

    /// The wrong CA file, and the system trust store (which does not know the test CA).
    @Test(arguments: [true, false])
    func ldapsWithTheWrongCAFails(useOtherCA: Bool) async throws {
        let server = try TestLDAPServer.current()
        let settings = server.settings(url: server.ldapsURL, caFile: useOtherCA ? server.otherCAFile : nil)
        try await withDirectory(settings) { directory async throws in
            let error = await #expect(throws: DirectoryUnavailable.self) { try await directory.account(username: "alice") }
            #expect(error?.description.contains("TLS") == true, "\(String(describing: error))")
        }
    }

    @Test(arguments: [true, false])
    func startTLSWithTheWrongCAFails(useOtherCA: Bool) async throws {
        let server = try TestLDAPServer.current()
        let settings = server.settings(url: "ldap://localhost:\(try server.port)", startTLS: true,
                                       caFile: useOtherCA ? server.otherCAFile : nil)
        try await withDirectory(settings) { directory async throws in
            let error = await #expect(throws: DirectoryUnavailable.self) { try await directory.account(username: "alice") }
            #expect(error?.description.contains("TLS") == true, "\(String(describing: error))")
        }
    }

    /// The certificate names localhost and 127.0.0.1. NIOSSL accepts a certificate whose IP address entry matches
    /// the connected address whatever name was expected, so the name check is tested through a proxy on
    /// 127.0.0.2, an address the certificate does not name: the right name passes, a wrong one and the bare IP fail.
    @Test func aNameOrAddressTheCertificateDoesNotNameFails() async throws {
        let server = try TestLDAPServer.current()
        let proxy = try await TCPProxy.start(upstreamPort: try server.ldapsPort, host: "127.0.0.2")
        defer { Task { await proxy.stop() } }
        let tls = try LDAPTLS.makeContext(caFile: server.caFile)
        func bind(expecting name: String?) async throws -> LDAPResult {
            let connection = try await LDAPConnection.connect(host: "127.0.0.2", port: proxy.port,
                                                              implicitTLS: StartTLSUpgrade(context: tls, serverHostname: name), timeout: .seconds(60))
            defer { Task { await connection.close() } }
            return try await connection.bind(dn: server.adminDN, password: server.adminPassword)
        }
        #expect(try await bind(expecting: "localhost").isSuccess)
        for name in ["ldap.example.org", nil] {
            let error = await #expect(throws: LDAPError.self, "expected name \(name ?? "none (IP)")") { _ = try await bind(expecting: name) }
            guard case .tls = error else { Issue.record("expected a TLS error, got \(String(describing: error))"); continue }
        }
        try await withDirectory(server.settings(url: "ldaps://127.0.0.2:\(proxy.port)", caFile: server.caFile)) { directory async throws in
            let error = await #expect(throws: DirectoryUnavailable.self) { try await directory.account(username: "alice") }
            #expect(error?.description.contains("TLS") == true, "\(String(describing: error))")
        }
    }

    @Test func aMissingCAFileIsAConfigurationError() async throws {
        let server = try TestLDAPServer.current()
        let settings = server.settings(url: server.ldapsURL, caFile: "/nonexistent/ca.pem")
        #expect(throws: DirectoryUnavailable.self) { try LDAPDirectory.validate(settings) }
    }
}
