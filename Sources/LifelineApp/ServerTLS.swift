import Foundation
import LifelineCore
import NIOSSL

/// The TLS of the main listener: the certificate chain and private key the operator named in `server.tls.certificate`
/// and `server.tls.key` (PEM files), loaded and checked once before the server starts.
///
/// Why checked up front: a missing, unreadable or mismatched file must stop `serve` with one line naming the setting,
/// not fail the first handshake (or every one) after the server reported that it is listening.
public struct ServerTLS: Sendable {
    /// The NIOSSL configuration the listener uses.
    public let configuration: TLSConfiguration

    /// The TLS of `config`, or nil when neither `server.tls.certificate` nor `server.tls.key` is set (plain HTTP).
    public static func load(_ config: LifelineConfiguration) throws -> ServerTLS? {
        guard let certificatePath = config.tlsCertificate, let keyPath = config.tlsKey else { return nil }
        let chain = try certificates(certificatePath)
        let key = try privateKey(keyPath)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        // Why 1.2: TLS 1.0 and 1.1 are deprecated (RFC 8996); every browser and load balancer in use speaks 1.2 or 1.3.
        tls.minimumTLSVersion = .tlsv12
        // HTTP/1.1 only (the listener has no HTTP/2); ALPN says so, so a client does not try h2.
        tls.applicationProtocols = ["http/1.1"]
        do {
            // Builds the context the listener will build: BoringSSL refuses here a key that does not match the
            // certificate, or a certificate it cannot use.
            _ = try NIOSSLContext(configuration: tls)
        } catch {
            throw LifelineError(.configuration, "server.tls.key \(keyPath) and server.tls.certificate \(certificatePath) do not make a usable pair (does the key belong to the certificate?)")
        }
        return ServerTLS(configuration: tls)
    }

    static func certificates(_ path: String) throws -> [NIOSSLCertificate] {
        try readable(path, "server.tls.certificate")
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(path) } catch {
            throw LifelineError(.configuration, "server.tls.certificate \(path) is not a PEM certificate")
        }
        guard !chain.isEmpty else { throw LifelineError(.configuration, "server.tls.certificate \(path) holds no PEM certificate") }
        return chain
    }

    static func privateKey(_ path: String) throws -> NIOSSLPrivateKey {
        try readable(path, "server.tls.key")
        do { return try NIOSSLPrivateKey(file: path, format: .pem) } catch {
            throw LifelineError(.configuration, "server.tls.key \(path) is not an unencrypted PEM private key")
        }
    }

    static func readable(_ path: String, _ setting: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw LifelineError(.configuration, "\(setting) \(path) does not exist")
        }
        guard FileManager.default.isReadableFile(atPath: path) else { throw LifelineError(.configuration, "\(setting) \(path) is not readable") }
    }
}
