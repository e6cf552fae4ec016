import Hummingbird
import HTTPTypes
import Synchronization

/// The router's paths and their methods, so that a known path requested with another method answers 405 with
/// an `Allow` header (RFC 9110 §15.5.6) instead of 404. Filled from `Router.routes` once all routes are added.
final class MethodTable: Sendable {
    private let entries = Mutex<[(pattern: [Substring], methods: [HTTPRequest.Method])]>([])

    /// Records the routes of `router`.
    func load(from routes: [Router<AppRequestContext>.RouteDescription]) {
        var byPath: [String: [HTTPRequest.Method]] = [:]
        for r in routes { byPath["\(r.path)", default: []].append(r.method) }
        let table = byPath.map { (path, methods) in
            (pattern: path.split(separator: "/"), methods: methods.sorted { $0.rawValue < $1.rawValue })
        }
        entries.withLock { $0 = table }
    }

    /// The methods allowed on `path`, or nil when no route has that shape.
    func allowedMethods(for path: String) -> [HTTPRequest.Method]? {
        let parts = path.split(separator: "/")
        return entries.withLock { entries in
            entries.first { e in
                e.pattern.count == parts.count && zip(e.pattern, parts).allSatisfy { $0.hasPrefix(":") || $0.hasPrefix("{") || $0 == $1 }
            }?.methods
        }
    }
}
