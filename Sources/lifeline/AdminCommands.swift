import ArgumentParser
import Foundation
import LifelineApp
import LifelineCore

struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tenant", abstract: "Manage tenants.", subcommands: [Create.self, List.self, Apply.self])

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or update a tenant and its recovery configuration from a YAML file (idempotent).")
        @OptionGroup var storage: StorageOptions
        @Option(name: .shortAndLong, help: "The YAML file (see docs/recovery.md).") var file: String
        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw LifelineError(.invalidRequest, "cannot read \(file)") }
            // Parsed and validated before the database is opened: a bad file changes nothing.
            let parsed = try TenantFile.parse(String(decoding: data, as: UTF8.self))
            print(try await withRuntime(storage) { try await parsed.apply(admin: $0.admin, caller: .cli) })
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "Tenant name (a-z, 0-9, '-').") var name: String
        @Option(help: "Display name.") var displayName: String?
        func run() async throws {
            let t = try await withRuntime(storage) { try await $0.admin.createTenant(name: name, displayName: displayName, caller: .cli) }
            print("created tenant \(t.name) (\(t.id.uuidString.lowercased()))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants.")
        @OptionGroup var storage: StorageOptions
        func run() async throws {
            for t in try await withRuntime(storage, { try await $0.admin.listTenants(caller: .cli) }) { print("\(t.name)\t\(t.displayName)") }
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage users.", subcommands: [Create.self, Answers.self, EmergencyCode.self, UserImport.self, Groups.self])

    struct Answers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's security answers (replaces all of them).")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant name.") var tenant: String
        @Argument(help: "Username.") var username: String
        @Option(name: .customLong("answer"), help: "QUESTION_ID=ANSWER (repeatable).") var answers: [String] = []
        func run() async throws {
            var map: [String: String] = [:]
            for a in answers {
                guard let eq = a.firstIndex(of: "="), eq != a.startIndex else { throw LifelineError(.invalidRequest, "--answer must be QUESTION_ID=ANSWER") }
                map[String(a[..<eq])] = String(a[a.index(after: eq)...])
            }
            try await withRuntime(storage) { try await $0.admin.setSecurityAnswers(tenantName: tenant, username: username, answers: map, caller: .cli) }
            print("stored \(map.count) answers for \(username)")
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user with optional contacts.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant name.") var tenant: String
        @Argument(help: "Username.") var username: String
        @Option(help: "Email address (repeatable).") var email: [String] = []
        @Option(help: "Phone number in international form (repeatable).") var phone: [String] = []
        @Option(help: "Display name.") var displayName: String?
        @Option(help: "Language (en, cs, nb).") var language: String?
        func run() async throws {
            var new = AdminService.NewUser(username: username)
            new.emails = email; new.phones = phone; new.displayName = displayName; new.language = language
            let u = try await withRuntime(storage) { try await $0.admin.createUser(tenantName: tenant, new, caller: .cli) }
            print("created user \(u.username) in \(tenant)")
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Manage OTP tokens.", subcommands: [Enroll.self, List.self, OfflineCodes.self, Lost.self, Enable.self])

    struct Enroll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enroll a token; prints its otpauth:// URI (the only time the secret is shown).")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant name.") var tenant: String
        @Option(help: "Username.") var user: String
        @Option(help: "totp or hotp.") var type: String
        @Option(help: "Import this base32 secret instead of generating one (at least 160 bits).") var secret: String?
        @Option(help: "sha1, sha256 or sha512.") var algorithm: String = "sha1"
        @Option(help: "6, 7 or 8.") var digits: Int = 6
        @Option(help: "TOTP period: 30 or 60 seconds.") var period: Int = 30
        func run() async throws {
            guard let t = TokenType(rawValue: type) else { throw LifelineError(.invalidRequest, "--type must be totp or hotp") }
            guard let a = OTPAlgorithm(rawValue: algorithm) else { throw LifelineError(.invalidRequest, "--algorithm must be sha1, sha256 or sha512") }
            var req = EnrollmentRequest(type: t)
            req.algorithm = a; req.digits = digits; req.period = period; req.secretBase32 = secret
            let e = try await withRuntime(storage) { try await $0.admin.enrollToken(tenantName: tenant, username: user, req, caller: .cli) }
            print(e.otpauthURI)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens of a tenant or a user.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant name.") var tenant: String
        @Option(help: "Only this user's tokens.") var user: String?
        func run() async throws {
            let (_, tokens, names) = try await withRuntime(storage) { try await $0.admin.listTokens(tenantName: tenant, username: user, caller: .cli) }
            print("id\tuser\ttype\talgorithm\tdigits\tstate\tfail_count")
            for t in tokens {
                print("\(t.id.uuidString.lowercased())\t\(names[t.userID] ?? "?")\t\(t.type.rawValue)\t\(t.algorithm.rawValue)\t\(t.digits)\t\(t.state.rawValue)\t\(t.failCount)/\(t.maxFail)")
            }
        }
    }
}

struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apikey", abstract: "Manage API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key; prints it once (it is stored hashed).")
        @OptionGroup var storage: StorageOptions
        @Option(help: "validate, admin, helpdesk or auditor (docs/security.md, \"Roles and permissions\").") var role: String?
        @Option(help: "validate or admin: the same as --role with that name (the option from before roles).") var scope: String?
        @Option(help: "Limit the key to this tenant.") var tenant: String?
        @Option(help: "A name for the key.") var name: String = ""
        @Option(help: "Expire the key after this long (e.g. 90d, 12h, 30m; at most 3650d) or at this ISO 8601 date or time (2027-03-01, 2027-03-01T12:00:00Z).")
        var expiresIn: String?
        func run() async throws {
            let role = try Self.role(role: role, scope: scope)
            // Why refused here with its own message: a plain key of role agent would have no agent record, so the agent
            // API would refuse it anyway; `agent register` makes the key and the record together.
            guard role != .agent else {
                throw LifelineError(.invalidRequest, "keys of role agent are made by 'lifeline agent register --tenant T NAME', which also records the agent")
            }
            let expires = try expiresIn.map { try APIKeyExpiry.parse($0, now: Date()) }
            let (_, key) = try await withRuntime(storage) {
                try await $0.admin.createAPIKey(role: role, tenantName: tenant, name: name, expiresAt: expires, caller: .cli)
            }
            print(key)
        }

        /// The role from `--role`, or from `--scope` (validate or admin only); exactly one of them.
        static func role(role: String?, scope: String?) throws -> Role {
            switch (role, scope) {
            case (let name?, nil):
                guard let r = Role(rawValue: name) else { throw LifelineError(.invalidRequest, "--role must be validate, admin, helpdesk or auditor") }
                return r
            case (nil, let name?):
                guard let r = Role(rawValue: name), Role.scopes.contains(r) else { throw LifelineError(.invalidRequest, "--scope must be validate or admin") }
                return r
            default:
                throw LifelineError(.invalidRequest, "give one of --role (validate, admin, helpdesk, auditor) or --scope (validate, admin)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API keys (never their secrets): id, scope, tenant, state, times, creator, role, name.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Only this tenant's keys.") var tenant: String?
        func run() async throws {
            let keys = try await withRuntime(storage) { try await $0.admin.listAPIKeys(tenantName: tenant, caller: .cli) }
            let now = Date()
            func time(_ d: Date?) -> String { d.map { $0.formatted(.iso8601) } ?? "-" }
            print("id\tscope\ttenant\tstate\tcreated\texpires\tlast_used\trevoked\tcreated_by\trole\tname")
            for (k, t) in keys {
                print([k.id, k.role.scope, t ?? "-", k.state(at: now).rawValue, time(k.createdAt), time(k.expiresAt), time(k.lastUsedAt),
                       time(k.revokedAt), k.createdBy.isEmpty ? "-" : k.createdBy, k.role.rawValue, k.name].joined(separator: "\t"))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API key; every running server refuses it within 2 seconds.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The key's id: the part between ll_ and the next _.") var id: String
        func run() async throws {
            let (k, _) = try await withRuntime(storage) { try await $0.admin.revokeAPIKey(id: id, caller: .cli) }
            print("revoked \(k.id) at \(k.revokedAt.map { $0.formatted(.iso8601) } ?? "?")")
        }
    }
}

/// Parses `--expires-in`: a duration `<n>d|h|m` or an ISO 8601 date (midnight UTC) or date-time.
enum APIKeyExpiry {
    static func parse(_ text: String, now: Date) throws -> Date {
        let units: [Character: Double] = ["d": 86_400, "h": 3_600, "m": 60]
        if let unit = text.last, let seconds = units[unit], let n = Int(text.dropLast()), text.utf8.count <= 12 {
            // Bounded before any arithmetic: the core refuses more than 3650 days anyway.
            guard n > 0, Double(n) * seconds <= AdminService.maxAPIKeyLifetime else {
                throw LifelineError(.invalidRequest, "--expires-in must be from 1m to 3650d")
            }
            return now.addingTimeInterval(Double(n) * seconds)
        }
        let full = ISO8601DateFormatter()
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        guard let date = full.date(from: text) ?? day.date(from: text) else {
            throw LifelineError(.invalidRequest, "--expires-in must be a duration (90d, 12h, 30m) or an ISO 8601 date (2027-03-01 or 2027-03-01T12:00:00Z)")
        }
        return date
    }
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "Manage the key-encryption keys.", subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a new key-encryption key and re-encrypt every secret under it (safe while servers run).")
        @OptionGroup var storage: StorageOptions
        func run() async throws {
            try await withRuntime(storage) { runtime in
                if let fileVault = runtime.fileVault {
                    let id = try fileVault.addKey(random: runtime.random)
                    print("new current key \(id)")
                }
                let n = try await KeyRotation(storage: runtime.store, vault: runtime.vault).reencryptAll()
                print("re-encrypted \(n) secrets")
            }
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The audit log.", subcommands: [Verify.self, Anchor.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify every audit chain (one per tenant, one for global events); reports the first broken link (exit 1).")
        @OptionGroup var storage: StorageOptions
        @Option(help: "An anchor written by `audit anchor` or the server: also check that the log still holds its event.") var anchor: String?
        func run() async throws {
            var anchored: AuditAnchor? = nil
            if let anchor {
                // Read before the database is opened: a missing or malformed file changes nothing.
                guard let data = FileManager.default.contents(atPath: anchor) else { throw LifelineError(.invalidRequest, "cannot read \(anchor)") }
                anchored = try AuditAnchor.parse(data)
            }
            let result = try await withRuntime(storage) { [anchored] in try await $0.store.verifyChain(anchor: anchored, after: [:]) }
            if let broken = result.broken {
                // The prefix of before ("audit chain broken at event SEQ"), then the chain.
                print("audit chain broken at event \(broken.seq) of chain \(broken.chain ?? "?"): \(broken.reason)")
                throw ExitCode(1)
            }
            var line = "audit chain ok: \(result.count) events in \(result.heads.count) chains"
            if result.legacy > 0 {
                // Why say so: legacy events are plain SHA-256, which a database writer can recompute; only an anchor
                // taken since protects them.
                line += " (\(result.legacy) legacy unkeyed events, written before the chain was keyed)"
            }
            if let anchored { line += "; holds the heads of the \(anchored.heads.count) chains anchored at \(anchored.time)" }
            print(line)
        }
    }

    struct Anchor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the audit chains and write their heads, with a MAC, to a file to keep outside the database and data folder.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Where to write the anchor (JSON).") var out: String
        func run() async throws {
            let (anchor, verification) = try await withRuntime(storage) { try await $0.store.anchorChain(time: $0.clock.now(), after: [:]) }
            guard let anchor else {
                let broken = verification.broken
                print("audit chain broken at event \(broken?.seq ?? 0) of chain \(broken?.chain ?? "?"): \(broken?.reason ?? "no key"); no anchor written")
                throw ExitCode(1)
            }
            try AuditAnchorFile.write(anchor, to: out)
            // One line (the heads' hashes are in the file).
            print("anchored \(anchor.heads.count) chains to \(out): " + anchor.heads.map { "\($0.chain) event \($0.seq)" }.joined(separator: ", "))
        }
    }
}
