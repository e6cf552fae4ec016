import Foundation
import SQLKit

/// The schema, as an ordered list of migrations. Each runs in its own transaction and is recorded in
/// `schema_migrations`; applying is idempotent and safe when several processes start at once.
///
/// The SQL is kept to what SQLite and PostgreSQL share: TEXT, BIGINT, `ON CONFLICT`, `RETURNING`.
enum Migrations {
    struct Migration {
        let version: Int64
        let name: String
        let statements: [String]
    }

    static let all: [Migration] = [
        Migration(version: 1, name: "foundation", statements: [
            """
            CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
              created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE users (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
              username TEXT NOT NULL, username_key TEXT NOT NULL, display_name TEXT NOT NULL, status TEXT NOT NULL,
              language TEXT NOT NULL, created_at BIGINT NOT NULL, UNIQUE (tenant_id, username_key))
            """,
            """
            CREATE TABLE contacts (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              kind TEXT NOT NULL, value TEXT NOT NULL, verified BIGINT NOT NULL, created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX contacts_user ON contacts (user_id)",
            """
            CREATE TABLE tokens (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
              user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, type TEXT NOT NULL, algorithm TEXT NOT NULL,
              digits BIGINT NOT NULL, period BIGINT, state TEXT NOT NULL, fail_count BIGINT NOT NULL,
              max_fail BIGINT NOT NULL, drift BIGINT NOT NULL, counter BIGINT NOT NULL, last_used BIGINT,
              label TEXT NOT NULL, secret TEXT NOT NULL, created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX tokens_user ON tokens (user_id)",
            "CREATE INDEX tokens_tenant ON tokens (tenant_id)",
            """
            CREATE TABLE api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, scope TEXT NOT NULL, tenant_id TEXT,
              secret_hash TEXT NOT NULL, created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE audit_events (seq BIGINT PRIMARY KEY, time BIGINT NOT NULL, tenant TEXT, actor TEXT NOT NULL,
              subject TEXT NOT NULL, event TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT NOT NULL,
              source TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)
            """,
            "CREATE INDEX audit_tenant ON audit_events (tenant, seq)",
            "CREATE TABLE audit_head (id BIGINT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)",
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '\(String(repeating: "0", count: 64))')",
        ]),
        Migration(version: 2, name: "recovery", statements: [
            """
            CREATE TABLE recovery_configs (tenant_id TEXT PRIMARY KEY REFERENCES tenants(id), document TEXT NOT NULL,
              updated_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE security_answers (user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, question_id TEXT NOT NULL,
              hash TEXT NOT NULL, PRIMARY KEY (user_id, question_id))
            """,
            """
            CREATE TABLE recovery_flows (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
              expires_at BIGINT NOT NULL, version BIGINT NOT NULL, state TEXT NOT NULL)
            """,
            "CREATE INDEX recovery_flows_expiry ON recovery_flows (expires_at)",
            """
            CREATE TABLE outbox (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL,
              subject TEXT NOT NULL, body TEXT, status TEXT NOT NULL, attempts BIGINT NOT NULL, next_attempt_at BIGINT NOT NULL,
              lease_until BIGINT, last_error TEXT NOT NULL, created_at BIGINT NOT NULL, sent_at BIGINT)
            """,
            "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
            "CREATE TABLE counters (key TEXT PRIMARY KEY, count BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
        ]),
        // Smart cards for PIN unblock; the admin key is sealed like token secrets (SQLStore+Cards.swift).
        Migration(version: 3, name: "cards", statements: [
            """
            CREATE TABLE cards (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
              user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, serial TEXT NOT NULL, algorithm TEXT NOT NULL,
              sealed_key TEXT NOT NULL, created_at BIGINT NOT NULL, UNIQUE (tenant_id, serial))
            """,
            "CREATE INDEX cards_user ON cards (user_id)",
        ]),
        // One row per user (issuing replaces it); the code only as an HMAC, with the id of the key it was derived from.
        Migration(version: 4, name: "emergency codes", statements: [
            """
            CREATE TABLE emergency_codes (user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
              tenant_id TEXT NOT NULL REFERENCES tenants(id), template_id TEXT NOT NULL, code_hash TEXT NOT NULL, key_id TEXT NOT NULL,
              issued_at BIGINT NOT NULL, expires_at BIGINT, max_uses BIGINT, uses_left BIGINT, used_count BIGINT NOT NULL,
              fail_count BIGINT NOT NULL, status TEXT NOT NULL, revoked_at BIGINT, revoked_reason TEXT)
            """,
        ]),
        Migration(version: 5, name: "built-in directory", statements: [
            """
            CREATE TABLE directory_accounts (user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE, password_hash TEXT,
              password_changed_at BIGINT, locked_at BIGINT)
            """,
        ]),
        // Why: a validation reads a user's tokens in (created_at, id) order; with this index they come out of it in that
        // order, where the index on user_id alone left SQLite a temporary B-tree to sort on every validation.
        Migration(version: 6, name: "tokens in order per user", statements: [
            "CREATE INDEX tokens_user_order ON tokens (user_id, created_at, id)",
            "DROP INDEX tokens_user",
        ]),
        // The keyed audit chain: the id of the key-encryption key whose derived chain key MACed the event. NULL marks
        // the legacy events written before (plain SHA-256); verification refuses an unkeyed event after a keyed one.
        Migration(version: 7, name: "keyed audit chain", statements: [
            "ALTER TABLE audit_events ADD COLUMN mac_key_id TEXT",
        ]),
        // API keys can expire and be revoked, and record when they were last used (issue 13 item 5). created_by is the
        // audit actor that made the key, so demo mode can revoke the keys of its previous start; older keys get it
        // from their creation event in the audit log.
        Migration(version: 8, name: "api key lifecycle", statements: [
            "ALTER TABLE api_keys ADD COLUMN expires_at BIGINT",
            "ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT",
            "ALTER TABLE api_keys ADD COLUMN revoked_at BIGINT",
            "ALTER TABLE api_keys ADD COLUMN created_by TEXT",
            """
            UPDATE api_keys SET created_by = (SELECT MIN(a.actor) FROM audit_events a
              WHERE a.event = 'apikey.create' AND a.subject = 'apikey:' || api_keys.id)
            """,
        ]),
        // Why (issue 13 item 3): wrong codes throttle a token for a growing delay (its end is kept in the token's own
        // row, so a validation reads it without another query) and lock it only at max_fail consecutive failures.
        // Tokens enrolled under the former default of 10 get the new default of 100: at 10 anyone who could type a
        // username locked the token with ten requests; with the throttle, 100 takes days (docs/configuration.md).
        Migration(version: 9, name: "token throttle", statements: [
            "ALTER TABLE tokens ADD COLUMN throttled_until BIGINT",
            "UPDATE tokens SET max_fail = 100 WHERE max_fail = 10",
        ]),
        // Why (issue 13 item 2): wrong answers count per username across all flows and steps, in the database, so
        // abandoned flows, midnight and a second server do not reset them; a browser's pass has a budget of its own.
        Migration(version: 10, name: "guessing budgets", statements: [
            """
            CREATE TABLE guess_budgets (key TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, username_key TEXT NOT NULL, scope TEXT NOT NULL,
              failures BIGINT NOT NULL, decay_from BIGINT NOT NULL, paused_until BIGINT, notified_at BIGINT, updated_at BIGINT NOT NULL)
            """,
            "CREATE INDEX guess_budgets_user ON guess_budgets (tenant_id, username_key)",
            "CREATE TABLE budget_passes (hash TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, username_key TEXT NOT NULL, expires_at BIGINT NOT NULL)",
        ]),
        // Why (issue 13 item 10): outbox bodies are now sealed with the tenant, channel, recipient and subject in the
        // associated data, so a database writer cannot redirect a code. Rows already there were sealed with the id
        // alone and keep format 1 (the default fills them); new rows are written with 2 and opened only as 2.
        Migration(version: 11, name: "outbox seal format", statements: [
            "ALTER TABLE outbox ADD COLUMN seal_format BIGINT NOT NULL DEFAULT 1",
        ]),
        // Why (issue 13 item 9): decoys and the code HMAC key derive from a secret that survives key rotation, made
        // once per database (shared by every instance) and stored sealed under the key-encryption key.
        Migration(version: 12, name: "server secrets", statements: [
            "CREATE TABLE server_secrets (name TEXT PRIMARY KEY, sealed TEXT NOT NULL, created_at BIGINT NOT NULL)",
        ]),
        // Why (issue 14 item 7): one audit chain per tenant plus one for global events, each with its own head row,
        // so that writes of different tenants no longer serialize on the one audit_head row. The events written
        // before move unchanged (same seq, hashes and MACs) into the closed chain "legacy", whose head is the old
        // head: they keep verifying as they were made, and an anchor taken before (version 1) is checked against it.
        Migration(version: 13, name: "audit chains per tenant", statements: [
            """
            CREATE TABLE audit_log (chain TEXT NOT NULL, seq BIGINT NOT NULL, time BIGINT NOT NULL, tenant TEXT, actor TEXT NOT NULL,
              subject TEXT NOT NULL, event TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT NOT NULL,
              source TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, mac_key_id TEXT, PRIMARY KEY (chain, seq))
            """,
            """
            INSERT INTO audit_log (chain, seq, time, tenant, actor, subject, event, outcome, reason, source, prev_hash, hash, mac_key_id)
              SELECT 'legacy', seq, time, tenant, actor, subject, event, outcome, reason, source, prev_hash, hash, mac_key_id FROM audit_events
            """,
            "DROP TABLE audit_events",
            "ALTER TABLE audit_log RENAME TO audit_events",
            "CREATE INDEX audit_tenant ON audit_events (tenant, time)",
            "CREATE INDEX audit_time ON audit_events (time)",
            "CREATE TABLE audit_heads (chain TEXT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)",
            "INSERT INTO audit_heads (chain, seq, hash) SELECT 'legacy', seq, hash FROM audit_head WHERE id = 1 AND seq > 0",
            "DROP TABLE audit_head",
        ]),
        // Saved recovery codes (issue 14 item 9): one set per user (issuing replaces it), each code as its lookup (two
        // characters, in the clear, unique within the set) and a salted scrypt hash. Why the lookup: validation reads the
        // one code an input can be and runs one slow hash, not ten (docs/recovery-codes.md).
        Migration(version: 14, name: "recovery codes", statements: [
            """
            CREATE TABLE recovery_code_sets (user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
              tenant_id TEXT NOT NULL REFERENCES tenants(id), set_id TEXT NOT NULL UNIQUE, issued_at BIGINT NOT NULL, total BIGINT NOT NULL,
              status TEXT NOT NULL, fail_count BIGINT NOT NULL, revoked_at BIGINT, revoked_reason TEXT)
            """,
            """
            CREATE TABLE recovery_codes (set_id TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              lookup TEXT NOT NULL, code_hash TEXT NOT NULL, used_at BIGINT, PRIMARY KEY (set_id, lookup))
            """,
            "CREATE INDEX recovery_codes_user ON recovery_codes (user_id)",
        ]),
        // Why (issue 14 item 4): a key has a role (validate, admin, helpdesk, auditor) instead of a scope. The two
        // scopes were the roles of the same names, so the values stay and only the column's name says what it holds.
        // (Version 14 belongs to the recovery codes.)
        Migration(version: 15, name: "api key roles", statements: [
            "ALTER TABLE api_keys RENAME COLUMN scope TO role",
        ]),
        // Console operators (issue 15): accounts with a password (scrypt) and a sealed TOTP secret, their sessions (only
        // the token's SHA-256 is stored) and one-time enrolment links (likewise). Tenants as a sorted list of ids: an
        // operator has a handful, and the service reads them with the row.
        Migration(version: 16, name: "operators", statements: [
            """
            CREATE TABLE operators (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL, tenant_ids TEXT NOT NULL,
              state TEXT NOT NULL, password_hash TEXT, totp_secret TEXT, last_totp_step BIGINT, fail_count BIGINT NOT NULL,
              throttled_until BIGINT, created_at BIGINT NOT NULL, created_by TEXT NOT NULL)
            """,
            """
            CREATE TABLE operator_sessions (id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,
              operator_id TEXT NOT NULL REFERENCES operators(id) ON DELETE CASCADE, created_at BIGINT NOT NULL,
              last_seen_at BIGINT NOT NULL, reauth_at BIGINT, source TEXT NOT NULL, user_agent TEXT NOT NULL)
            """,
            "CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id)",
            """
            CREATE TABLE operator_enrolments (token_hash TEXT PRIMARY KEY, operator_id TEXT NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
              created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)
            """,
        ]),
        // The helpdesk (issue 15): an operator's verification of a caller (one row per operator and user; the code as an
        // HMAC, its attempts counted in the row) and four-eyes approval requests. Helpdesk access codes need no table:
        // they are emergency codes (template `helpdesk`).
        Migration(version: 17, name: "helpdesk", statements: [
            """
            CREATE TABLE caller_verifications (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
              user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, actor TEXT NOT NULL, channel TEXT NOT NULL,
              masked_recipient TEXT NOT NULL, code_hash TEXT NOT NULL, key_id TEXT NOT NULL, attempts BIGINT NOT NULL,
              created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, verified_until BIGINT, UNIQUE (actor, user_id))
            """,
            """
            CREATE TABLE approval_requests (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
              user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, username TEXT NOT NULL, action TEXT NOT NULL,
              parameters TEXT NOT NULL, requested_by TEXT NOT NULL, reason TEXT NOT NULL, created_at BIGINT NOT NULL,
              expires_at BIGINT NOT NULL, status TEXT NOT NULL, decided_by TEXT, decided_at BIGINT, result TEXT)
            """,
            "CREATE INDEX approval_requests_tenant ON approval_requests (tenant_id, created_at)",
        ]),
        // Issue 15: users from the organization's directory. Which local users came from it (and what it last said,
        // whether a sync disabled them because they left it), when a username was last looked up at a flow start,
        // and the sync runs.
        Migration(version: 18, name: "directory users", statements: [
            """
            CREATE TABLE directory_users (user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
              tenant_id TEXT NOT NULL REFERENCES tenants(id), reference TEXT NOT NULL, mail TEXT, mobile TEXT,
              departed BIGINT NOT NULL, synced_at BIGINT NOT NULL)
            """,
            "CREATE INDEX directory_users_tenant ON directory_users (tenant_id)",
            """
            CREATE TABLE directory_lookups (tenant_id TEXT NOT NULL REFERENCES tenants(id), username_key TEXT NOT NULL,
              looked_up_at BIGINT NOT NULL, PRIMARY KEY (tenant_id, username_key))
            """,
            """
            CREATE TABLE directory_sync_runs (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
              run_trigger TEXT NOT NULL, actor TEXT NOT NULL, started_at BIGINT NOT NULL, finished_at BIGINT NOT NULL,
              created BIGINT NOT NULL, updated BIGINT NOT NULL, disabled BIGINT NOT NULL, unchanged BIGINT NOT NULL,
              refused BIGINT NOT NULL, error TEXT)
            """,
            "CREATE INDEX directory_sync_runs_tenant ON directory_sync_runs (tenant_id, started_at)",
        ]),
        // The Lifeline Authenticator (issue 16): activations (the code's SHA-256 only), apps (device key, sealed pinKey
        // and PIN verifier, the wrong-PIN count), links app × organization (sealed orgKey, state, the last offline
        // step), challenges and online codes (hashes only), unblocking codes (sealed, one row per user and
        // organization) and operator-held PIN resets. Public keys as base64 text (BLOB and BYTEA differ).
        // Why the two partial unique indexes: "one live app per user and organization" and "one live link per app and
        // organization" hold in the database itself, so that two activations racing on different connections cannot
        // both leave a live link (the later INSERT fails instead). SQLite (3.8+) and PostgreSQL both have them.
        // Why no foreign key from challenges to devices: the port does not promise one (the in-memory store stores a
        // challenge for any id), and a challenge is only ever taken together with a device id, so one for an unknown id
        // is never accepted; the service stores challenges for known devices only.
        Migration(version: 19, name: "authenticator", statements: [
            """
            CREATE TABLE authenticator_activations (id TEXT PRIMARY KEY, code_hash TEXT NOT NULL UNIQUE,
              tenant_id TEXT NOT NULL REFERENCES tenants(id), user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              issued_by TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT)
            """,
            "CREATE INDEX authenticator_activations_user ON authenticator_activations (user_id)",
            """
            CREATE TABLE authenticator_devices (id TEXT PRIMARY KEY, public_key TEXT NOT NULL, name TEXT NOT NULL, model TEXT NOT NULL,
              pin_key TEXT NOT NULL, pin_verifier TEXT NOT NULL, pin_length BIGINT NOT NULL, pin_failures BIGINT NOT NULL,
              created_at BIGINT NOT NULL, last_seen_at BIGINT)
            """,
            """
            CREATE TABLE authenticator_links (id TEXT PRIMARY KEY, device_id TEXT NOT NULL REFERENCES authenticator_devices(id),
              tenant_id TEXT NOT NULL REFERENCES tenants(id), user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              org_key TEXT NOT NULL, state TEXT NOT NULL, blocked_reason TEXT, last_step BIGINT, created_at BIGINT NOT NULL,
              blocked_at BIGINT, deactivated_at BIGINT)
            """,
            "CREATE UNIQUE INDEX authenticator_links_live_user ON authenticator_links (tenant_id, user_id) WHERE state <> 'deactivated'",
            "CREATE UNIQUE INDEX authenticator_links_live_device ON authenticator_links (device_id, tenant_id) WHERE state <> 'deactivated'",
            "CREATE INDEX authenticator_links_user ON authenticator_links (tenant_id, user_id, created_at)",
            "CREATE INDEX authenticator_links_device ON authenticator_links (device_id, created_at)",
            "CREATE TABLE authenticator_challenges (hash TEXT PRIMARY KEY, device_id TEXT NOT NULL, expires_at BIGINT NOT NULL)",
            "CREATE INDEX authenticator_challenges_expiry ON authenticator_challenges (expires_at)",
            """
            CREATE TABLE authenticator_online_codes (link_id TEXT PRIMARY KEY REFERENCES authenticator_links(id) ON DELETE CASCADE,
              code_hash TEXT NOT NULL, expires_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE authenticator_ubcs (tenant_id TEXT NOT NULL REFERENCES tenants(id),
              user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, id TEXT NOT NULL UNIQUE, code TEXT NOT NULL,
              failures BIGINT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, issued_by TEXT NOT NULL,
              PRIMARY KEY (tenant_id, user_id))
            """,
            """
            CREATE TABLE authenticator_pin_resets (tenant_id TEXT NOT NULL REFERENCES tenants(id),
              user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, opened_by TEXT NOT NULL, open_until BIGINT NOT NULL,
              PRIMARY KEY (tenant_id, user_id))
            """,
        ]),
        // Issue 16: OTP tokens with a PIN. The PIN's keyed verifier (TokenPINVerifier: `<key id>:<hmac hex>`, null: no
        // PIN) and the consecutive wrong PINs (blocked at TokenPIN.maxFailures).
        Migration(version: 20, name: "token pins", statements: [
            "ALTER TABLE tokens ADD COLUMN pin_verifier TEXT",
            "ALTER TABLE tokens ADD COLUMN pin_fail_count BIGINT NOT NULL DEFAULT 0",
        ]),
        // Issue 16: a used online code is marked used (null: outstanding) instead of deleted, so that a replay at
        // validate is recognised as that code and refused uncounted rather than counted as a wrong PIN.
        Migration(version: 21, name: "authenticator used online codes", statements: [
            "ALTER TABLE authenticator_online_codes ADD COLUMN used_at BIGINT",
        ]),
        // Issue 17: offline authentication. Agents (machines with an API key of role `agent`; the name unique among a
        // tenant's live agents, case-insensitively), the windows of offline data issued to them (grants: the refill
        // token's SHA-256 and the PIN sealed under a key only the laptop holds, both base64; never the data itself),
        // the tokens' offline emergency access tokencodes (sealed: the console shows them) and users' groups.
        // Why the partial unique indexes: "one live agent per name" and "one live grant per user, agent and machine"
        // hold in the database itself, so that two registrations or issues racing on different connections cannot
        // both leave a live row. Why no foreign key from grants to tokens: a grant is the record of what was issued,
        // and stays when the token is deleted (its data ends at the next contact: the token is gone).
        Migration(version: 22, name: "offline", statements: [
            """
            CREATE TABLE agents (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), name TEXT NOT NULL,
              name_key TEXT NOT NULL, api_key_id TEXT NOT NULL UNIQUE REFERENCES api_keys(id), created_at BIGINT NOT NULL,
              created_by TEXT NOT NULL, last_seen_at BIGINT, revoked_at BIGINT)
            """,
            "CREATE UNIQUE INDEX agents_live_name ON agents (tenant_id, name_key) WHERE revoked_at IS NULL",
            "CREATE INDEX agents_tenant ON agents (tenant_id, name_key)",
            """
            CREATE TABLE offline_grants (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
              user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, token_id TEXT NOT NULL,
              agent_id TEXT NOT NULL REFERENCES agents(id), machine TEXT NOT NULL, first_step BIGINT NOT NULL, steps BIGINT NOT NULL,
              period BIGINT NOT NULL, issued_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, refill_hash TEXT NOT NULL,
              sealed_pin TEXT, token_fingerprint TEXT NOT NULL, policy_fingerprint TEXT NOT NULL, ended_at BIGINT, ended_reason TEXT)
            """,
            """
            CREATE UNIQUE INDEX offline_grants_live ON offline_grants (tenant_id, user_id, agent_id, machine) WHERE ended_at IS NULL
            """,
            "CREATE INDEX offline_grants_user ON offline_grants (tenant_id, user_id, issued_at)",
            "CREATE INDEX offline_grants_agent_live ON offline_grants (agent_id) WHERE ended_at IS NULL",
            """
            CREATE TABLE offline_emergency_codes (token_id TEXT PRIMARY KEY REFERENCES tokens(id) ON DELETE CASCADE,
              tenant_id TEXT NOT NULL REFERENCES tenants(id), user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              tokencode TEXT NOT NULL, passcode TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,
              online_use BIGINT NOT NULL, downloaded_at BIGINT, failures BIGINT NOT NULL)
            """,
            "CREATE INDEX offline_emergency_codes_user ON offline_emergency_codes (user_id)",
            """
            CREATE TABLE user_groups (user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              tenant_id TEXT NOT NULL REFERENCES tenants(id), name TEXT NOT NULL, name_key TEXT NOT NULL, PRIMARY KEY (user_id, name_key))
            """,
        ]),
        // Issue 17: lost-token temporary replacement (docs/lost-token.md). One row per token (a new mark replaces an ended
        // one); the temporary code only as an HMAC, with the id of the key it was derived from; its counts of wrong
        // codes and wrong PINs. Deleting the token deletes the row.
        Migration(version: 23, name: "lost tokens", statements: [
            """
            CREATE TABLE lost_tokens (token_id TEXT PRIMARY KEY REFERENCES tokens(id) ON DELETE CASCADE,
              tenant_id TEXT NOT NULL REFERENCES tenants(id), user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              code_hash TEXT NOT NULL, key_id TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,
              ended_at BIGINT, ended_reason TEXT, fail_count BIGINT NOT NULL DEFAULT 0, pin_fail_count BIGINT NOT NULL DEFAULT 0)
            """,
            "CREATE INDEX lost_tokens_user ON lost_tokens (user_id)",
        ]),
    ]

    /// Applies every migration not yet recorded (up to version `last`, for the tests of one migration on a database at
    /// the one before); returns the versions applied.
    static func apply(on backend: any SQLBackend, through last: Int64 = .max) async throws -> [Int64] {
        try await backend.write { db in
            if backend.kind == .postgres {
                // Why the lock here too: on PostgreSQL, CREATE TABLE IF NOT EXISTS is not safe against a concurrent
                // one (both pass the check, the loser fails on pg_type's unique index), so servers starting
                // together on a fresh database must take turns already for this statement.
                try await db.raw("SELECT pg_advisory_xact_lock(7215120251)").run()
            }
            try await db.raw("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)").run()
        }
        var applied: [Int64] = []
        for m in all where m.version <= last {
            let did = try await backend.write { db -> Bool in
                if backend.kind == .postgres {
                    // Why a lock: two servers starting together must not both create the tables.
                    try await db.raw("SELECT pg_advisory_xact_lock(7215120251)").run()
                }
                let done = try await db.raw("SELECT version FROM schema_migrations WHERE version = \(bind: m.version)").first()
                if done != nil { return false }
                for s in m.statements { try await db.raw(SQLQueryString(s)).run() }
                try await db.raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: m.version), \(bind: m.name), \(bind: Int64(Date().timeIntervalSince1970)))").run()
                return true
            }
            if did { applied.append(m.version) }
        }
        return applied
    }
}
