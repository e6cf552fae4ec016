import Hummingbird
import LifelineCore

/// The context of a route behind ``APIKeyMiddleware``: the same request, with the principal that the key stands for.
/// Why a type of its own: a handler cannot forget to authenticate or unwrap an optional; what the principal may do
/// is the services' question (``Authorizer``).
public struct AuthenticatedRequestContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who calls.
    public let principal: Principal

    /// Throws 401 when the parent has no principal: the group was wired without ``APIKeyMiddleware`` in front.
    public init(context: AppRequestContext) throws {
        guard let principal = context.principal else { throw APIError(.unauthorized, "unauthorized", "a valid API key is required (Authorization: Bearer …)") }
        self.coreContext = context.coreContext
        self.principal = principal
    }
}
