import Foundation
import Hummingbird
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing

/// Issue 13 item 10: demo mode stays on loopback unless a flag says otherwise; `/metrics` can have a listener of
/// its own, off the public address.
@Suite("Listeners")
struct ListenerConfigurationTests {
    @Test("Demo mode refuses a non-loopback host unless --allow-demo-on-network is given")
    func demoStaysOnLoopback() async throws {
        for host in ["0.0.0.0", "192.0.2.10", "::", "lifeline.example.com", "127.0.0.1.example.com"] {
            await #expect(throws: LifelineError.self, "host \(host)") {
                _ = try await LifelineConfiguration.load(flags: ["demo": "true", "server.host": host], configFile: nil, environment: [:])
            }
            let allowed = try await LifelineConfiguration.load(flags: ["demo": "true", "server.host": host, "demoOnNetwork": "true"],
                                                               configFile: nil, environment: [:])
            #expect(allowed.demo && allowed.host == host)
            // Without demo mode any address is the operator's choice.
            _ = try await LifelineConfiguration.load(flags: ["server.host": host], configFile: nil, environment: [:])
        }
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"] {
            _ = try await LifelineConfiguration.load(flags: ["demo": "true", "server.host": host], configFile: nil, environment: [:])
        }
    }

    @Test("With metrics.port, /metrics answers on its own listener only")
    func metricsOnItsOwnListener() async throws {
        let port = try freeTCPPort()
        try await Fixture.with(configure: { $0.metricsPort = port; $0.metricsHost = "127.0.0.1" }) { fx in
            try await fx.app().test(.live) { client in
                #expect(try await client.execute(uri: "/metrics", method: .get).status == .notFound)
                #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
                var text = ""
                for _ in 0..<50 {  // the second listener starts beside the first
                    if let body = rawHTTPGet(port: port, path: "/metrics"), body.hasPrefix("HTTP/1.1 200") { text = body; break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(text.contains("# TYPE"), "the metrics listener answers: \(text.prefix(80))")
            }
        }
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
func freeTCPPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard bound else { throw LifelineError(.internalError, "no free port") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// `GET path` over a plain socket to 127.0.0.1:`port` (HTTP/1.0, the connection closes after the answer); nil when
/// nothing listens.
func rawHTTPGet(port: Int, path: String) -> String? {
    guard let fd = loopbackConnection(port: port) else { return nil }
    defer { close(fd) }
    // Never wait long for a server that keeps the connection open.
    var timeout = timeval(tv_sec: 2, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    guard send(fd, request, request.count, 0) == request.count else { return nil }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n <= 0 { break }
        out += buffer[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}

/// A TCP connection to 127.0.0.1:`port` (the caller closes it); nil when nothing listens.
func loopbackConnection(port: Int) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = UInt16(port).bigEndian
    let connected = withUnsafePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    guard connected else { close(fd); return nil }
    return fd
}
