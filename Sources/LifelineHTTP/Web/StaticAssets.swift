import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The web app's static files (`Static/`), read once at start and served from memory.
///
/// Each file is linked with `?v=<hash of its content>`, so a changed file gets a new URL and browsers may keep
/// a file for a year (`immutable`) without ever showing a stale one.
struct StaticAssets: Sendable {
    struct Asset: Sendable {
        var bytes: ByteBuffer
        var contentType: String
        var version: String
    }

    private let assets: [String: Asset]

    /// Loads every file of the bundled `Static` folder (a missing folder is a packaging bug: no assets).
    init() {
        var assets: [String: Asset] = [:]
        if let dir = WebResources.url("Static"), let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) {
            for name in names where !name.hasPrefix(".") {
                guard let data = try? Data(contentsOf: dir.appendingPathComponent(name)) else { continue }
                assets[name] = Asset(bytes: ByteBuffer(bytes: data), contentType: Self.contentType(name), version: Self.version(data))
            }
        }
        self.assets = assets
    }

    /// The URL of a file, with its content version.
    func url(_ name: String) -> String {
        "/static/\(name)" + (assets[name].map { "?v=\($0.version)" } ?? "")
    }

    /// The response for `/static/<name>`, or nil for an unknown name.
    func response(_ name: String) -> Response? {
        guard let asset = assets[name] else { return nil }
        var headers = HTTPFields()
        headers[.contentType] = asset.contentType
        // Why public caching is fine: these files hold no secret and are the same for everyone.
        headers[.cacheControl] = "public, max-age=31536000, immutable"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.bytes))
    }

    static func contentType(_ name: String) -> String {
        switch name.split(separator: ".").last {
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        default: "application/octet-stream"
        }
    }

    /// FNV-1a (64 bit) of the content, in hex: a cache key, not a security measure.
    static func version(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }
}
