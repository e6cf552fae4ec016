import Hummingbird
import LifelineCore

/// The console's routes, all under `/console` (docs/console.md "How to add a console page"). Pages before login are on
/// `open`; every other page is on `pages`, behind ``ConsoleSessionMiddleware`` (login and CSRF), with the
/// ``ConsoleRequestContext``. Each page controller is ONE line below.
enum ConsoleRoutes {
    static func add(to router: Router<AppRequestContext>, deps: HTTPDependencies, operators: OperatorService) {
        let env = ConsoleEnvironment(deps: deps, operators: operators)
        // Why a per-address limit on login and enrolment too: each attempt costs a slow hash (the operator's own throttle
        // counts per name, this one per address).
        let limiter = AddressRateLimiter(perMinute: deps.recoveryRequestsPerMinute, observer: deps.observer ?? deps.metrics)
        let console = router.group("/console").add(middleware: ConsoleErrorMiddleware(env: env))
        let open = console.group().add(middleware: AddressRateLimitMiddleware(limiter: limiter))
        let pages = console.group().add(middleware: ConsoleSessionMiddleware(env: env)).group(context: ConsoleRequestContext.self)

        ConsoleLoginPage(env: env).addRoutes(to: open)
        ConsoleShellPages(env: env).addRoutes(to: pages)
        ConsoleSessionsPage(env: env).addRoutes(to: pages)
        ConsoleOperatorsPage(env: env).addRoutes(to: pages)
        ConsoleDashboardPage(env: env).addRoutes(to: pages)
        ConsoleUserPages(env: env).addRoutes(to: pages)
        ConsoleAuditPage(env: env).addRoutes(to: pages)
        ConsoleSettingsPage(env: env).addRoutes(to: pages)
        ConsoleDirectoryPage(env: env).addRoutes(to: pages)
        ConsoleUserAdminPages(env: env).addRoutes(to: pages)
        ConsoleHelpdeskPage(env: env).addRoutes(to: pages)
        ConsoleApprovalsPage(env: env).addRoutes(to: pages)
        ConsoleAuthenticatorPage(env: env).addRoutes(to: pages)
        ConsoleAgentsPage(env: env).addRoutes(to: pages)
        ConsoleOfflinePage(env: env).addRoutes(to: pages)
        ConsoleOfflineCodesPage(env: env).addRoutes(to: pages)
    }
}
