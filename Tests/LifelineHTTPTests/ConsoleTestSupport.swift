import Foundation
import HummingbirdTesting
import LifelineCore
import Testing

/// An operator the console tests log in as: its name, password and TOTP secret.
struct ConsoleOperator: Sendable {
    let name: String
    let password: String
    let secret: [UInt8]
}

extension Fixture {
    /// An active operator `name` with `role` in `tenants` (none for a superuser), with a known password and TOTP secret
    /// (created through the core, as `serve --demo` creates its operators).
    @discardableResult
    func consoleOperator(_ name: String, role: Role, tenants: [String] = ["acme"]) async throws -> ConsoleOperator {
        let secret = Array("console-\(name)-secret-1234".utf8.prefix(20))
        let password = "a long passphrase for \(name.count) tests"
        _ = try await runtime.operators.ensureDemoOperator(name: name, role: role, tenants: tenants, password: password,
                                                           secretBase32: Base32.encode(secret), caller: .cli)
        return ConsoleOperator(name: name, password: password, secret: secret)
    }

    /// The operator's TOTP code at the test clock's time, after moving the clock to the next 30-second step (each code
    /// is accepted once, so every login or re-authentication of a test needs a fresh step).
    func freshCode(_ op: ConsoleOperator) -> String {
        clock.advance(seconds: 30)
        return totp(secret: op.secret)
    }
}

extension Browser {
    /// Logs `op` in through `/console/login` (the form's CSRF token included) and returns the login POST's response
    /// (303 to `/console` on success). `code` nil: a fresh code of `fx`'s clock.
    @discardableResult
    mutating func consoleLogin(_ op: ConsoleOperator, fx: Fixture, password: String? = nil, code: String? = nil,
                               sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestResponse {
        let page = try await get("/console/login", sourceLocation: sourceLocation)
        return try await submit(page, action: "/console/login", ["name": op.name, "password": password ?? op.password,
                                                                  "code": code ?? fx.freshCode(op)], sourceLocation: sourceLocation)
    }

    /// Posts `form` to `action` with the CSRF token of the page at `pageURI` (where the form is).
    @discardableResult
    mutating func consolePost(_ pageURI: String, action: String, _ form: [String: String] = [:],
                              sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestResponse {
        let page = try await get(pageURI, sourceLocation: sourceLocation)
        return try await submit(page, action: action, form, sourceLocation: sourceLocation)
    }
}
