import Hummingbird
import LifelineCore

/// What the HTTP layer needs: core services and ports, never a concrete adapter.
public struct HTTPDependencies: Sendable {
    public var admin: AdminService
    public var validation: ValidationService
    public var storage: any LifelineStorage
    public var metrics: HTTPMetrics
    public var recovery: RecoveryService
    /// Set in demo mode only: enables `/dev/outbox`.
    public var devOutbox: (any KeptMessages)?
    /// Requests per minute per client address on the public recovery routes.
    public var recoveryRequestsPerMinute: Int
    /// Whether the web app's cookies get `Secure` (false only for plain-http local development).
    public var secureCookies: Bool
    /// The clock of the core (the web pages' resend countdown must agree with the flow's times).
    public var clock: any LifelineClock
    /// Whether `/metrics` is on this router (false when `metrics.port` gives it a listener of its own).
    public var metricsOnMainListener = true
    /// Proxies whose forwarding headers name the client (`server.trustedProxies`).
    public var trustedProxies: [ClientAddress.Prefix] = []
    /// A tenant's recovery configuration as YAML for the console's settings (nil: those operations answer 404).
    public var configText: (any RecoveryConfigText)?
    /// Users from the tenants' directories (sync, import, status); nil: the directory routes answer 503.
    public var directoryUsers: DirectoryUserService? { recovery.directoryUsers }
    /// Told of throttles and limits seen here (nil: ``metrics`` alone); the composition root's also logs them.
    public var observer: (any OperationsObserver)?
    /// Whether each request is written to the log (``AccessLogMiddleware``; `log.access`).
    public var accessLog = false
    /// The console's operators (nil: no console on this router).
    public var operators: OperatorService?
    /// The server's public base URL (`server.publicURL`), for links the console hands out; nil: from the request.
    public var publicURL: String?
    /// The main listener's scheme (`https` with `server.tls`), for those links when `publicURL` is not set.
    public var listenerScheme = "http"
    /// The Lifeline Authenticator (issue 16) as the composition root built it (its notices wake the outbox dispatcher);
    /// nil: one over ``admin`` and ``storage`` whose notices wait for the dispatcher's next round.
    public var authenticatorService: AuthenticatorService?
    /// Offline authentication (issue 17): the agent API, the offline admin routes and the console's offline pages, as the
    /// composition root built it; nil: those answer 503 `unavailable`.
    public var offlineService: OfflineService?

    public init(admin: AdminService, validation: ValidationService, storage: any LifelineStorage, metrics: HTTPMetrics,
                recovery: RecoveryService, devOutbox: (any KeptMessages)? = nil, recoveryRequestsPerMinute: Int = 60, secureCookies: Bool = true,
                clock: any LifelineClock) {
        self.admin = admin; self.validation = validation; self.storage = storage; self.metrics = metrics
        self.recovery = recovery; self.devOutbox = devOutbox; self.recoveryRequestsPerMinute = recoveryRequestsPerMinute
        self.secureCookies = secureCookies; self.clock = clock
    }
}

extension HTTPDependencies {
    /// The helpdesk actions (issue 15, and the authenticator's of issue 16), as the admin API and the console run them.
    var helpdesk: HelpdeskService { HelpdeskService(admin: admin, storage: storage, wakingLike: recovery) }
    /// The Lifeline Authenticator: the app API, the admin routes, the console's section.
    var authenticator: AuthenticatorService { authenticatorService ?? AuthenticatorService(admin: admin, storage: storage) }
    /// Offline authentication, or a 503 when this router was built without it.
    var offline: OfflineService {
        get throws {
            guard let offlineService else { throw LifelineError(.unavailable, "offline authentication is not configured on this server") }
            return offlineService
        }
    }
}

/// Builds the router: public health routes, the validation API and the admin API, each behind an API key.
public func buildRouter(_ deps: HTTPDependencies) -> Router<AppRequestContext> {
    // Why HEAD for every GET: load balancers probe /health, /ready and the pages with HEAD (RFC 9110 §9.3.2).
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    // Outermost, so every answer is counted, errors included (ErrorMiddleware turns them into responses).
    router.add(middleware: RequestCountMiddleware(metrics: deps.metrics))
    router.add(middleware: ClientAddressMiddleware(trusted: deps.trustedProxies))
    // Outside the error middleware, so the status it logs is the one the client got.
    if deps.accessLog { router.add(middleware: AccessLogMiddleware()) }
    let methods = MethodTable()
    let web = WebController(deps, now: { [clock = deps.clock] in clock.now() })
    router.add(middleware: ErrorMiddleware(methods: methods, htmlNotFound: { web.notFoundPage($0) }))
    HealthController(probe: deps.storage, metrics: deps.metrics, servesMetrics: deps.metricsOnMainListener).addRoutes(to: router)
    // Why first on the group: a body not declared JSON (a cross-site form) is refused before keys, limits or handlers.
    let api = router.group("/api/v1").add(middleware: JSONContentTypeMiddleware())
    // Authentication only: what each principal may do, and in which tenant, the services decide (Authorizer).
    ValidateController(validation: deps.validation, metrics: deps.metrics)
        .addRoutes(to: api.group().add(middleware: APIKeyMiddleware(admin: deps.admin)).group(context: AuthenticatedRequestContext.self))
    let admin = api.group("/admin").add(middleware: APIKeyMiddleware(admin: deps.admin)).group(context: AuthenticatedRequestContext.self)
    AdminController(admin: deps.admin, validation: deps.validation, clock: deps.clock).addRoutes(to: admin)
    AdminRecoveryController(admin: deps.admin).addRoutes(to: admin)
    AdminEmergencyCodeController(admin: deps.admin).addRoutes(to: admin)
    AdminGuessBudgetController(admin: deps.admin, clock: deps.clock).addRoutes(to: admin)
    AdminCardController(admin: deps.admin).addRoutes(to: admin)
    AdminRecoveryCodeController(admin: deps.admin).addRoutes(to: admin)
    AdminLostTokenController(admin: deps.admin).addRoutes(to: admin)
    let console = ConsoleService(storage: deps.storage, admin: deps.admin, clock: deps.clock, configText: deps.configText)
    AdminConsoleController(console: console).addRoutes(to: admin)
    AdminDirectoryController(directory: deps.directoryUsers).addRoutes(to: admin)
    AdminHelpdeskController(helpdesk: deps.helpdesk).addRoutes(to: admin)
    AdminAuthenticatorController(deps: deps).addRoutes(to: admin)
    if let operators = deps.operators { AdminOperatorController(operators: operators, deps: deps).addRoutes(to: admin) }
    AdminOfflineController(deps: deps).addRoutes(to: admin)
    // The laptop agents' API (OfflineWire.pathPrefix, issue 17): an agent key; the service refuses every other role.
    AgentAPIController(deps: deps).addRoutes(to: api.group("/agent").add(middleware: APIKeyMiddleware(admin: deps.admin))
        .group(context: AuthenticatedRequestContext.self))
    let limiter = AddressRateLimiter(perMinute: deps.recoveryRequestsPerMinute, observer: deps.observer ?? deps.metrics)
    RecoveryController(recovery: deps.recovery)
        .addRoutes(to: api.group("/recovery").add(middleware: AddressRateLimitMiddleware(limiter: limiter)))
    // The authenticator app's API (AuthenticatorWire.pathPrefix): no API key (the device key signs), so behind a per-address budget of its own.
    AuthenticatorAppController(authenticator: deps.authenticator).addRoutes(to: api.group("/authenticator")
        .add(middleware: AddressRateLimitMiddleware(limiter: AddressRateLimiter(perMinute: deps.recoveryRequestsPerMinute, observer: deps.observer ?? deps.metrics))))
    if let outbox = deps.devOutbox { DevOutboxController(outbox: outbox).addRoutes(to: router) }
    // The self-service web app (docs/web.md): HTML pages behind the same per-address budget as the recovery API,
    // static assets outside it.
    web.addRoutes(to: router, limiter: limiter)
    // The helpdesk and admin console (docs/console.md), its pages registered in Console/ConsoleRoutes.swift.
    if let operators = deps.operators { ConsoleRoutes.add(to: router, deps: deps, operators: operators) }
    methods.load(from: router.routes)
    return router
}
