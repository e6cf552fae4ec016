import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing

/// A TCP listener on 127.0.0.1 that never accepts on its own: the kernel queues any connection attempt, and
/// ``connectionAttempted()`` takes one from the queue without blocking. So "nothing connected" is a fact the test
/// observes, not an assumption about the code.
final class TrapListener: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let size = len
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        let listening = bound == 0 && listen(fd, 16) == 0
        if !listening { close(fd) }
        try #require(listening)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.fd = fd
        self.port = Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Whether anyone connected since the listener opened (a queued connection is accepted and closed).
    func connectionAttempted() -> Bool {
        let client = accept(fd, nil, nil)
        if client >= 0 { close(client); return true }
        return false
    }

    deinit { close(fd) }
}

/// Issue 13 item 1: a tenant's recovery configuration, written with a tenant-scoped admin key, must not make the
/// server read a file or an environment variable, nor connect to a host the tenant chose. LDAP connections are the
/// operator's (`directories.<name>` in the server configuration); the tenant names one.
@Suite("Tenant configuration cannot reach the server's secrets or network")
struct TenantDirectoryIsolationTests {
    /// PUTs `{"directory": {"type": "ldap", "ldap": ldap}}` with `key`.
    static func put(_ client: some TestClientProtocol, _ key: String, ldap: String) async throws -> TestResponse {
        try await client.send(.put, "/api/v1/admin/tenants/acme/recovery", key: key, body: #"{"directory": {"type": "ldap", "ldap": \#(ldap)}}"#)
    }

    @Test("each server-side LDAP field is refused with a 400 naming it; nothing is read, nothing is connected")
    func forbiddenFields() async throws {
        let trap = try TrapListener()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-trap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let secret = "file-secret-\(UUID().uuidString)"
        let secretFile = dir.appendingPathComponent("secret").path
        try secret.write(toFile: secretFile, atomically: true, encoding: .utf8)
        let missingFile = dir.appendingPathComponent("missing").path
        let envName = "LIFELINE_TRAP_SECRET_\(UUID().uuidString.prefix(8))"
        let envSecret = "env-secret-\(UUID().uuidString)"
        setenv(envName, envSecret, 1)
        defer { unsetenv(envName) }
        let trapURL = "ldap://127.0.0.1:\(trap.port)"

        // The operator's connection points at the trap: a refused tenant configuration must not make it connect either.
        let trapConnection = DirectoryConnection(url: trapURL, bindDN: "cn=svc,dc=example,dc=org", bindPasswordFile: secretFile,
                                                 baseDNs: ["ou=acme,dc=example,dc=org"], tenants: ["acme"])
        let otherConnection = DirectoryConnection(url: trapURL, bindDN: "cn=svc,dc=example,dc=org", bindPasswordEnv: envName,
                                                  baseDNs: ["ou=globex,dc=example,dc=org"], tenants: ["globex"])
        try await Fixture.with(configure: { $0.directories = ["corp": trapConnection, "globex-ldap": otherConnection] }) { fx in
            try await fx.tenant()
            let key = try await fx.key(.admin, tenant: "acme")
            try await fx.app().test(.router) { client in
                let inside = #""connection": "corp", "base_dn": "ou=acme,dc=example,dc=org""#
                // field named in the refusal → the tenant's `ldap` object
                let cases: [(String, String)] = [
                    ("directory.ldap.bind_password_file", #"{\#(inside), "bind_password_file": "\#(secretFile)"}"#),
                    ("directory.ldap.bind_password_env", #"{\#(inside), "bind_password_env": "\#(envName)"}"#),
                    ("directory.ldap.url", #"{\#(inside), "url": "\#(trapURL)"}"#),
                    ("directory.ldap.ca_file", #"{\#(inside), "ca_file": "\#(secretFile)"}"#),
                    ("directory.ldap.bind_dn", #"{\#(inside), "bind_dn": "cn=admin,dc=example,dc=org"}"#),
                    ("directory.ldap.timeout", #"{\#(inside), "timeout": 120}"#),
                    // The whole attack of the issue, in the old shape.
                    ("directory.ldap.url", #"{"url": "\#(trapURL)", "bind_dn": "cn=x", "bind_password_file": "\#(secretFile)", "base_dn": "dc=x"}"#),
                    ("directory.ldap.connection", #"{"connection": "no-such-connection", "base_dn": "ou=acme,dc=example,dc=org"}"#),
                    // Another tenant's connection: the same answer as an unknown one.
                    ("directory.ldap.connection", #"{"connection": "globex-ldap", "base_dn": "ou=globex,dc=example,dc=org"}"#),
                    // Outside the operator's subtree, also by a suffix that is not a whole RDN, or an escaped comma.
                    ("directory.ldap.base_dn", #"{"connection": "corp", "base_dn": "dc=example,dc=org"}"#),
                    ("directory.ldap.base_dn", #"{"connection": "corp", "base_dn": "ou=globex,dc=example,dc=org"}"#),
                    ("directory.ldap.base_dn", #"{"connection": "corp", "base_dn": "ou=xacme,dc=example,dc=org"}"#),
                    ("directory.ldap.base_dn", #"{"connection": "corp", "base_dn": "ou=x\\,ou=acme,dc=example\\,dc=org"}"#),
                    ("directory.ldap.user_filter", #"{"connection": "corp", "user_filter": "(uid=alice)"}"#),
                    ("directory.ldap.user_filter", #"{"connection": "corp", "user_filter": "(&(uid={username})(cn=*))x)"}"#),
                ]
                var bodies: [String] = []
                for (field, ldap) in cases {
                    let r = try await Self.put(client, key, ldap: ldap)
                    let body = String(buffer: r.body)
                    try expectError(r, .badRequest, "invalid_request")
                    #expect(body.contains(field), "\(ldap) → \(body)")
                    bodies.append(body)
                }
                // Whether the file or the variable exists does not change the answer.
                let withFile = try await Self.put(client, key, ldap: #"{\#(inside), "bind_password_file": "\#(secretFile)"}"#)
                let withoutFile = try await Self.put(client, key, ldap: #"{\#(inside), "bind_password_file": "\#(missingFile)"}"#)
                #expect(withFile.status == withoutFile.status && String(buffer: withFile.body) == String(buffer: withoutFile.body))
                let withEnv = try await Self.put(client, key, ldap: #"{\#(inside), "bind_password_env": "\#(envName)"}"#)
                let withoutEnv = try await Self.put(client, key, ldap: #"{\#(inside), "bind_password_env": "LIFELINE_NO_SUCH_VARIABLE_7"}"#)
                #expect(withEnv.status == withoutEnv.status && String(buffer: withEnv.body) == String(buffer: withoutEnv.body))
                for body in bodies + [withFile, withoutFile, withEnv, withoutEnv].map({ String(buffer: $0.body) }) {
                    #expect(!body.contains(secret) && !body.contains(envSecret) && !body.contains(dir.path), "\(body)")
                }
                // Nothing was stored: the tenant still has the built-in directory.
                let stored = try await client.send(.get, "/api/v1/admin/tenants/acme/recovery", key: key)
                #expect(try jsonObject(stored)["directory"].flatMap { ($0 as? [String: Any])?["type"] as? String } == "builtin")
                // Within the limits it is accepted, still without connecting (the connection opens at first use).
                let ok = try await Self.put(client, key, ldap: #"{"connection": "corp", "base_dn": "OU=Staff, ou=acme,dc=example,dc=org", "user_filter": "(&(objectClass=inetOrgPerson)(uid={username}))"}"#)
                #expect(ok.status == .ok, "\(String(buffer: ok.body))")
            }
        }
        #expect(!trap.connectionAttempted(), "the server connected to the tenant's host")
    }
}
