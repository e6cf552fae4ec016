import Foundation
import Hummingbird
import LifelineCore

/// What ``ConsoleSessionMiddleware`` found for a request: the logged-in operator, its session, the principal it acts
/// as, and the browser's language and CSRF token. Carried from the middleware to ``ConsoleRequestContext``.
public struct ConsoleLogin: Sendable {
    /// The operator, as stored when the request began (state, role and tenants re-read on every request).
    public var op: Operator
    public var session: OperatorSession
    /// Who acts: `operator:<name>`, with the operator's role and tenants (a superuser: global).
    public var principal: Principal
    /// The page language (the `lifeline_lang` cookie, else `Accept-Language`).
    public var language: String
    /// The browser's CSRF token: put it in every form as the field ``ConsoleRequestContext/csrfField``.
    public var csrf: String
    /// Whether the CSRF cookie must be set on the response (the browser had none).
    var csrfIsNew: Bool
    /// The fields of a POST's `application/x-www-form-urlencoded` body (empty for a GET), read and CSRF-checked.
    public var form: [String: String]
    /// The request path with its query (the language menu returns to it).
    public var path: String
}

/// The context of every console page behind the session middleware: the operator is logged in, and a POST passed
/// the CSRF check. Why a type of its own (like ``AuthenticatedRequestContext``): a page cannot forget the login, and
/// what the operator may do is the services' question (``Authorizer``), asked with ``principal``.
public struct ConsoleRequestContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let login: ConsoleLogin
    /// The client address (for the audit log).
    public let sourceAddress: String

    /// The name of the hidden CSRF field every console form must carry (the same as the recovery pages').
    public static let csrfField = CSRF.field

    /// Throws 401 when the parent has no login: the group was wired without ``ConsoleSessionMiddleware``.
    public init(context: AppRequestContext) throws {
        guard let login = context.console else { throw LifelineError(.unauthorized, "not logged in to the console") }
        self.coreContext = context.coreContext
        self.login = login
        self.sourceAddress = context.sourceAddress
    }

    /// Who acts (pass it to the services).
    public var principal: Principal { login.principal }
    /// The logged-in operator.
    public var op: Operator { login.op }
    /// The page language.
    public var language: String { login.language }
    /// The posted form's fields (CSRF already checked).
    public var form: [String: String] { login.form }
}
