import HTTPTypes
import Hummingbird
import LifelineCore
import NIOCore

/// The request context of every route: the client address and, once an API key was checked, the principal.
/// Authenticated routes get ``AuthenticatedRequestContext`` instead, whose principal is not optional.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Set by ``APIKeyMiddleware``; ``AuthenticatedRequestContext`` takes it from here.
    public var principal: Principal?
    /// Set by ``ConsoleSessionMiddleware`` for a logged-in operator; ``ConsoleRequestContext`` takes it from here.
    public var console: ConsoleLogin?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The client's address as ``ClientAddressMiddleware`` found it behind trusted proxies (nil: the peer's).
    public var clientAddress: String?

    /// The client's IP address for the audit log and the per-address limits, or empty.
    public var sourceAddress: String { clientAddress ?? remoteAddress?.ipAddress ?? "" }
}

/// Sets ``AppRequestContext/clientAddress`` from `Forwarded` / `X-Forwarded-For`, only when the peer is a configured
/// trusted proxy (`server.trustedProxies`). Why only then: anyone can send these headers; believed from any peer they
/// would let a client pick its own address for the limits and the audit log.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let trusted: [ClientAddress.Prefix]
    static let forwarded = HTTPField.Name("Forwarded")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if !trusted.isEmpty, let peer = context.remoteAddress?.ipAddress {
            let forwarded = request.headers[values: Self.forwarded]
            let xff = request.headers[values: Self.xForwardedFor]
            context.clientAddress = ClientAddress.client(peer: peer, forwarded: forwarded, xForwardedFor: xff, trusted: trusted)
        }
        return try await next(request, context)
    }
}
