import Foundation
import LifelineCore

/// Seeds the `demo` tenant for `serve --demo`: users with contacts and TOTP tokens whose secrets are fixed and
/// printed (demo data only — never use these secrets for real accounts), plus fresh API keys (the keys of
/// the previous start are revoked).
public struct DemoSeeder: Sendable {
    let runtime: LifelineRuntime

    public init(runtime: LifelineRuntime) { self.runtime = runtime }

    /// The demo users: username, display name, language, email, phone, TOTP secret (base32).
    static let users: [(String, String, String, String, String, String)] = [
        ("alice", "Alice Novak", "en", "alice@demo.example", "+420777123789", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
        ("bob", "Bob Dvořák", "cs", "bob@demo.example", "+420608555111", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
        ("kari", "Kari Nordmann", "nb", "kari@demo.example", "+4791234567", "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"),
        ("dave", "Dave Locked", "en", "dave@demo.example", "+420603111222", "KRSXG5CBNVSWM2LDMFWGK3TUMVZXIMZQ"),
    ]

    /// The demo user whose account is locked in the built-in directory (for the unlock action).
    static let lockedUser = "dave"

    /// The demo smart cards: username, serial, algorithm, admin key (hex). Printed on start: demo keys only.
    static let cards: [(String, String, CardKeyAlgorithm, String)] = [
        ("alice", "DEMO-CARD-0001", .tripleDES, "0123456789ABCDEFFEDCBA98765432100011223344556677"),
        ("bob", "DEMO-CARD-0002", .aes128, "2B7E151628AED2A6ABF7158809CF4F3C"),
    ]

    /// The demo operators of the console: name, role, password, TOTP secret (base32). Fixed and printed, so that the
    /// printed credentials work on every start (demo data only). Why `admin` is the demo tenant's tenant-admin and not a
    /// superuser: it shows the model an organization gets — everything in its tenant, operators of lower roles —
    /// and a printed global account would be one more thing to leak from a terminal.
    static let operators: [(String, Role, String, String)] = [
        ("helpdesk", .helpdesk, "demo-console-pass-7391", "HELPDESKDEMOCONSOLETOTPSECRET234"),
        ("admin", .tenantAdmin, "demo-tenant-console-4826", "ADMINDEMOCONSOLETOTPSECRETXYZ567"),
    ]

    /// The demo laptop agent (issue 17): registered anew on every start, its key printed with the other keys.
    static let agentName = "demo-laptop"

    /// The demo users' security answers (question id → answer).
    static let answers: [String: [String: String]] = [
        "alice": ["pet": "Rex", "city": "Brno", "teacher": "Novak", "school": "Masaryk", "street": "Husova"],
        "bob": ["pet": "Micka", "city": "Praha", "teacher": "Svoboda", "school": "Komenskeho", "street": "Dlouha"],
        "kari": ["pet": "Fido", "city": "Bergen", "teacher": "Hansen", "school": "Nordnes", "street": "Strandgaten"],
        "dave": ["pet": "Bella", "city": "Ostrava", "teacher": "Dvorak", "school": "Palackeho", "street": "Nadrazni"],
    ]

    /// The demo tenant's configuration (the bundled `demo-tenant.yaml`).
    public static func tenantFile() throws -> TenantFile {
        guard let url = Bundle.module.url(forResource: "demo-tenant", withExtension: "yaml", subdirectory: "Resources") else {
            throw LifelineError(.configuration, "the demo tenant file is missing")
        }
        return try TenantFile.parse(String(decoding: try Data(contentsOf: url), as: UTF8.self))
    }

    /// Creates what is missing and returns the text to print: what a newcomer can try.
    public func seed(baseURL: String) async throws -> String {
        let caller = Caller(actor: "demo", scope: .admin)
        let admin = runtime.admin
        let file = try Self.tenantFile()
        _ = try await file.apply(admin: admin, caller: caller)
        var lines: [String] = []
        for (username, display, language, email, phone, secret) in Self.users {
            if (try? await admin.user(tenantName: "demo", username: username, caller: caller)) == nil {
                var new = AdminService.NewUser(username: username)
                new.displayName = display; new.language = language; new.emails = [email]; new.phones = [phone]
                _ = try await admin.createUser(tenantName: "demo", new, caller: caller)
                var req = EnrollmentRequest(type: .totp)
                req.secretBase32 = secret
                req.label = "demo authenticator"
                _ = try await admin.enrollToken(tenantName: "demo", username: username, req, caller: caller)
                try await admin.setSecurityAnswers(tenantName: "demo", username: username, answers: Self.answers[username] ?? [:], caller: caller)
                for (owner, serial, algorithm, key) in Self.cards where owner == username {
                    _ = try await admin.importCard(tenantName: "demo", username: username, serial: serial, algorithm: algorithm, keyHex: key, caller: caller)
                }
                if username == Self.lockedUser, let user = try await runtime.store.user(tenantID: try await admin.tenant("demo", caller: caller).id, username: username) {
                    try await runtime.store.setDirectoryLock(userID: user.id, lockedAt: runtime.clock.now())
                }
            }
            let uri = "otpauth://totp/Lifeline%20Demo:\(username)?secret=\(secret)&issuer=Lifeline%20Demo&algorithm=SHA1&digits=6&period=30"
            let answers = (Self.answers[username] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            lines.append("  \(username)  (\(display), \(email), \(phone))\n    \(uri)\n    oathtool --totp -b \(secret)\n    answers: \(answers)")
        }
        var operatorLines: [String] = []
        for (name, role, password, secret) in Self.operators {
            _ = try await runtime.operators.ensureDemoOperator(name: name, role: role, tenants: ["demo"], password: password,
                                                               secretBase32: secret, caller: caller)
            operatorLines.append("operator \(name): password=\(password) totp=\(secret)")
        }
        // Why revoke the previous start's agent: its key was shown only then, and a live agent keeps its name. Revoking
        // it (with its key) ends its laptops' offline data at their next contact; the new agent's key is printed below.
        for agent in try await runtime.offline.agents(tenantName: "demo", caller: caller) where agent.revokedAt == nil && agent.name == Self.agentName {
            try await runtime.offline.revokeAgent(tenantName: "demo", agentID: agent.id, caller: caller)
        }
        // Why: every start mints a global admin key; without this, restarts would leave a pile of live ones.
        _ = try await admin.revokeDemoKeys(caller: caller)
        let (_, validateKey) = try await admin.createAPIKey(role: .validate, tenantName: "demo", name: "demo validate", caller: caller)
        let (_, adminKey) = try await admin.createAPIKey(role: .admin, tenantName: nil, name: "demo admin", caller: caller)
        let agentKey = try await runtime.offline.registerAgent(tenantName: "demo", name: Self.agentName, caller: caller).key
        return """

        Lifeline demo — tenant "demo" (demo data only: these secrets are public)

        Emergency access in a browser: \(baseURL)/recover?tenant=demo
          flows: "sms-totp" (text message, then authenticator) and "email-questions" (email, then 2 questions)
          codes sent by SMS and email appear at \(baseURL)/dev/outbox (demo mode keeps them instead of sending)

        Users, their TOTP tokens and security answers (add the URI to an authenticator app, or use oathtool):
        \(lines.joined(separator: "\n"))

        Recovery actions (after verifying as the user; docs/recovery-actions.md):
          reset password, emergency access code: any user (built-in directory; the code then works at /api/v1/validate)
          unlock account: \(Self.lockedUser) (locked in the built-in directory)
          smart-card unblock (demo keys only):
        \(Self.cards.map { "    \($0.0): serial \($0.1), \($0.2.rawValue) key \($0.3)" }.joined(separator: "\n"))
            e.g. challenge 0011 2233 4455 6677 for DEMO-CARD-0001; check the response with
            printf '\\x00\\x11\\x22\\x33\\x44\\x55\\x66\\x77' | openssl enc -des-ede3-ecb -nopad -K \(Self.cards[0].3) | xxd -p -u
            a card tool's deep link: \(baseURL)/unblock?tenant=demo&serial=\(Self.cards[0].1)&challenge=0011223344556677

        Console (helpdesk and organization admin; docs/console.md): \(baseURL)/console/login
          log in with the name, the password and `oathtool --totp -b SECRET` (the same on every start):
        \(operatorLines.joined(separator: "\n"))

        API keys (new on every start, which revokes the previous start's; shown only now):
          validate: \(validateKey)
          admin:    \(adminKey)
          agent:    \(agentKey)
            (the laptop agent "\(Self.agentName)" of tenant demo, for lifeline-agent --key; docs/offline.md)

        Try:
          curl -s -X POST \(baseURL)/api/v1/validate -H 'Authorization: Bearer \(validateKey)' \\
            -H 'Content-Type: application/json' \\
            -d "{\\"tenant\\":\\"demo\\",\\"username\\":\\"alice\\",\\"code\\":\\"$(oathtool --totp -b \(Self.users[0].5))\\"}"
          curl -s \(baseURL)/api/v1/admin/tenants/demo/tokens -H 'Authorization: Bearer \(adminKey)'
          curl -s \(baseURL)/metrics

        Offline login on a laptop (the demo tenant lets its users take \(file.recovery.offline.days) days of offline data; README "Offline login"):
          swift build --product lifeline-agent
          oathtool --totp -b \(Self.users[0].5) | .build/debug/lifeline-agent --state /tmp/laptop.json \\
            --server \(baseURL) --key \(agentKey) authenticate alice
          stop the server; once the code has changed (the next 30 s), it verifies offline:
          oathtool --totp -b \(Self.users[0].5) | .build/debug/lifeline-agent --state /tmp/laptop.json verify alice

        """
    }
}
