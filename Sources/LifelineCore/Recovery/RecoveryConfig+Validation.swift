import Foundation

/// A rule a recovery configuration breaks, with where (a path like `flows.1.actions`). Thrown while decoding a
/// key a tenant may not write (see ``TenantLDAPSettings``).
public struct ConfigProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// Keys and list indexes from the document root to the offending value.
    public var path: [String]
    public var reason: String
    public init(path: [String], reason: String) { self.path = path; self.reason = reason }
    public var description: String { (path.isEmpty ? "" : path.joined(separator: ".") + ": ") + reason }
}

extension RecoveryConfig {
    /// Every problem of this configuration; empty when it is safe to apply. `methods` and `actions`: the registries
    /// the configuration is checked against (the service's own, where tests add theirs).
    public func problems(methods: MethodRegistry = .standard, actions: ActionRegistry = .standard) -> [ConfigProblem] {
        var out: [ConfigProblem] = []
        func bad(_ path: [String], _ reason: String) { out.append(ConfigProblem(path: path, reason: reason)) }
        let idPattern = { (s: String) in !s.isEmpty && s.count <= 63 && s.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d || $0 == 0x5f } }

        var methodIDs = Set<String>()
        for (i, m) in self.methods.enumerated() {
            let p = ["methods", String(i)]
            if !idPattern(m.id) { bad(p + ["id"], "must be 1-63 characters of a-z, 0-9, '-' and '_'") }
            if !methodIDs.insert(m.id).inserted { bad(p + ["id"], "method id '\(m.id)' is used twice") }
            // Each method checks its own settings (``VerificationMethod/problems(_:in:)``).
            guard let method = methods.method(m.type) else { bad(p + ["type"], "unknown method type '\(m.type)'"); continue }
            for (key, reason) in method.entryProblems(m, in: self) { bad(p + (key.map { [$0] } ?? []), reason) }
        }
        var flowIDs = Set<String>()
        for (i, f) in flows.enumerated() {
            let p = ["flows", String(i)]
            if !idPattern(f.id) { bad(p + ["id"], "must be 1-63 characters of a-z, 0-9, '-' and '_'") }
            if !flowIDs.insert(f.id).inserted { bad(p + ["id"], "flow id '\(f.id)' is used twice") }
            if (f.names["en"] ?? "").isEmpty { bad(p + ["names"], "needs an English name (en)") }
            if f.steps.isEmpty { bad(p + ["steps"], "needs at least one step") }
            if f.steps.count > 5 { bad(p + ["steps"], "has more than 5 steps") }
            if Set(f.steps).count != f.steps.count { bad(p + ["steps"], "uses a method twice") }
            for (j, s) in f.steps.enumerated() where method(s) == nil { bad(p + ["steps", String(j)], "unknown method '\(s)'") }
            if f.actions.isEmpty { bad(p + ["actions"], "unlocks no action") }
            if Set(f.actions).count != f.actions.count { bad(p + ["actions"], "lists an action twice") }
            // Why: each action needs the assurance it declares (``ActionAssurance``). Answers to security questions
            // are often researchable or guessable (NIST SP 800-63B §5.1.1.2 bars them as an authenticator), so they
            // alone never yield a new credential; an action that replaces a factor needs two factors of different
            // kinds (SP 800-63B-4 §4.2.2.2), so one SIM swap or one mailbox takeover is not a full takeover.
            let types = f.steps.compactMap { method($0)?.type }
            // (Only for a flow whose steps are otherwise right: an unknown or repeated step is its own problem.)
            if !types.isEmpty, types.count == f.steps.count, Set(f.steps).count == f.steps.count {
                let reached = ActionAssurance.reached(by: types, methods: methods)
                let kinds = Set(types)
                let who = reached == .any && kinds.count == 1 ? "a flow whose only step is \(kinds.first!)"
                    : "a flow whose steps prove \(reached == .any ? "no factor" : reached == .possession ? "one factor kind" : "two factor kinds")"
                for a in f.actions {
                    let needed = ActionAssurance.required(for: a.rawValue, actions: actions)
                    if reached < needed { bad(p + ["actions"], "\(who) cannot unlock \(a.rawValue): \(needed.rule)") }
                }
            }
            if f.actions.contains(.selfservice), selfserviceURL == nil { bad(p + ["actions"], "selfservice needs selfservice_url") }
        }
        // Why a cap: every answer of a user is hashed slowly; an unbounded catalog makes one request unbounded work.
        if questions.count > 50 { bad(["questions"], "at most 50 questions") }
        var questionIDs = Set<String>()
        for (i, q) in questions.enumerated() {
            let p = ["questions", String(i)]
            if !idPattern(q.id) { bad(p + ["id"], "must be 1-63 characters of a-z, 0-9, '-' and '_'") }
            if !questionIDs.insert(q.id).inserted { bad(p + ["id"], "question id '\(q.id)' is used twice") }
            if (q.texts["en"] ?? "").isEmpty { bad(p + ["texts"], "needs an English text (en)") }
        }
        let l = limits
        let ranges: [(String, Int, ClosedRange<Int>)] = [
            ("wrong_per_step", l.wrongPerStep, 1...10), ("resend_delay", l.resendDelay, 10...3600),
            ("sends_per_flow", l.sendsPerFlow, 1...10), ("sends_per_user_per_hour", l.sendsPerUserPerHour, 1...100),
            ("flow_lifetime", l.flowLifetime, 60...3600), ("failed_flows_per_day", l.failedFlowsPerDay, 1...100),
            ("grant_lifetime", l.grantLifetime, 30...3600),
        ]
        for (k, v, r) in ranges where !r.contains(v) { bad(["limits", k], "must be \(r.lowerBound) to \(r.upperBound)") }
        if let u = selfserviceURL, !Self.isSelfserviceURL(u) {
            bad(["selfservice_url"], "must be an https URL of at most \(Self.maxSelfserviceURLLength) bytes, without user or password (http only for localhost)")
        }
        if !(defaultCountryCode.hasPrefix("+") && (2...4).contains(defaultCountryCode.count) && defaultCountryCode.dropFirst().allSatisfy(\.isASCII) && defaultCountryCode.dropFirst().allSatisfy(\.isNumber)) {
            bad(["default_country_code"], "must look like +47 (1-3 digits)")
        }
        if emailDomain.isEmpty || emailDomain.contains("@") || !emailDomain.contains(".") { bad(["email_domain"], "must be a domain like example.com") }
        out += directory.problems() + passwordPolicy.problems()
        out += emergencyCodeProblems()
        out += helpdesk.problems()
        out += authenticator.problems()
        out += offline.problems()
        return out
    }

    /// Longest `selfservice_url`, in UTF-8 bytes.
    public static let maxSelfserviceURLLength = 2048

    /// Whether `text` may be the self-service URL. The server never fetches it: it is only the target of the
    /// browser's redirect after a verified recovery (and the origin the page's CSP `form-action` allows).
    static func isSelfserviceURL(_ text: String) -> Bool {
        guard text.utf8.count <= maxSelfserviceURLLength,
              !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }),
              let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased(), !host.isEmpty,
              // Why no user: `https://id.acme.example@evil.example/` reads as the tenant's host but goes elsewhere.
              url.user == nil, url.password == nil else { return false }
        // Why https only: the redirect follows a verified recovery; a plain-http target could be rewritten on the way.
        return scheme == "https" || (scheme == "http" && ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host))
    }
}