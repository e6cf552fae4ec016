import Foundation

/// A throw-away CA and server certificates made with the `openssl` CLI, once per test run.
struct TestCertificates: Sendable {
    /// The CA the client trusts.
    let caFile: String
    /// Server certificate signed by that CA, for `localhost` and `127.0.0.1`.
    let serverCert: String
    let serverKey: String
    /// A self-signed server certificate (same names) that the client does not trust.
    let untrustedCert: String
    let untrustedKey: String

    static func shared() throws -> TestCertificates { try cached.get() }

    private static let cached: Result<TestCertificates, PeerError> = Result { try make() }.mapError {
        $0 as? PeerError ?? PeerError(description: "\($0)")
    }

    private static func make() throws -> TestCertificates {
        try PeerProcess.requireTools()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let ext = "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
        try ext.write(to: dir.appendingPathComponent("server.ext"), atomically: true, encoding: .utf8)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let steps: [[String]] = [
            ["openssl", "req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=Lifeline Test CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            ["openssl", "req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"],
            ["openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.pem", "-days", "2", "-extfile", "server.ext"],
            ["openssl", "req", "-x509"] + ec + ["-keyout", "untrusted.key", "-out", "untrusted.pem", "-days", "2",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        ]
        for step in steps where PeerProcess.run(step, in: dir) != 0 {
            throw PeerError(description: "openssl failed: \(step.joined(separator: " "))")
        }
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        return TestCertificates(caFile: path("ca.pem"), serverCert: path("server.pem"), serverKey: path("server.key"),
                                untrustedCert: path("untrusted.pem"), untrustedKey: path("untrusted.key"))
    }
}
