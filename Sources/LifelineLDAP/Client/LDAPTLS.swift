import NIOSSL

/// The TLS client settings for LDAPS and StartTLS.
enum LDAPTLS {
    /// A client context that verifies the server: the chain against `caFile` (PEM) or the system trust store, and
    /// the host name (done by NIOSSL when the handler gets a server name, or the IP address entries otherwise).
    /// Why full verification always, with no "insecure" switch: the service account's password and users' new
    /// passwords cross this connection; an unverified server is anyone on the path.
    static func makeContext(caFile: String?) throws(LDAPError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        if let caFile {
            // Why only this CA, not the system store as well: an operator that names the directory's CA trusts it alone.
            configuration.trustRoots = .file(caFile)
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            // Why no path in the text: it can reach the audit log, which the tenant's admin key reads.
            throw .tls("cannot set up TLS with \(caFile == nil ? "the system trust store" : "the connection's caFile"): \(error)")
        }
    }
}
