import Hummingbird
import LifelineCore

/// What the HTTP layer needs: core services and ports, never a concrete adapter.
public struct HTTPDependencies: Sendable {
    public var admin: AdminService
    public var validation: ValidationService
    public var storage: any LifelineStorage
    public var metrics: HTTPMetrics

    public init(admin: AdminService, validation: ValidationService, storage: any LifelineStorage, metrics: HTTPMetrics) {
        self.admin = admin; self.validation = validation; self.storage = storage; self.metrics = metrics
    }
}

/// Builds the router: public health routes, the validation API and the admin API, each behind its scope.
public func buildRouter(_ deps: HTTPDependencies) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    // Outermost, so every answer is counted, errors included (ErrorMiddleware turns them into responses).
    router.add(middleware: RequestCountMiddleware(metrics: deps.metrics))
    let methods = MethodTable()
    router.add(middleware: ErrorMiddleware(methods: methods))
    HealthController(probe: deps.storage, metrics: deps.metrics).addRoutes(to: router)
    let api = router.group("/api/v1")
    ValidateController(validation: deps.validation, metrics: deps.metrics)
        .addRoutes(to: api.group().add(middleware: APIKeyMiddleware(admin: deps.admin, scope: .validate)))
    AdminController(admin: deps.admin, validation: deps.validation, storage: deps.storage)
        .addRoutes(to: api.group("/admin")
            .add(middleware: APIKeyMiddleware(admin: deps.admin, scope: .admin))
            .add(middleware: TenantScopeMiddleware(tenants: deps.storage)))
    methods.load(from: router.routes)
    return router
}
