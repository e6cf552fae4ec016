import Hummingbird
import LifelineCore
import NIOCore

/// The request context of every route: the client address and, once an API key was checked, the caller.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Set by ``APIKeyMiddleware``; routes behind it may rely on it being present.
    public var caller: Caller?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address for the audit log, or empty.
    public var sourceAddress: String { remoteAddress?.ipAddress ?? "" }

    /// The authenticated caller; throws 401 when a route is reached without one (a wiring bug, never a user error).
    public func requireCaller() throws -> Caller {
        guard let caller else { throw LifelineError(.unauthorized, "an API key is required") }
        return caller
    }
}
