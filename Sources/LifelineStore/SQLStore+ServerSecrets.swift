import Foundation
import LifelineCore
import SQLKit

extension SQLStore: ServerSecretStore {
    public func serverSecret(name: String, proposed: SealedSecret) async throws -> SealedSecret {
        try await backend.write { db in
            // Why ON CONFLICT DO NOTHING and then a read: two instances starting at once both propose; the first
            // insert wins and both read the winner, in the same transaction.
            try await db.raw("""
                INSERT INTO server_secrets (name, sealed, created_at) VALUES (\(bind: name), \(bind: proposed.text), \(bind: Row.millis(Date())))
                ON CONFLICT (name) DO NOTHING
                """).run()
            guard let row = try await db.raw("SELECT sealed FROM server_secrets WHERE name = \(bind: name)").first(),
                  let sealed = SealedSecret(text: try row.decode(column: "sealed", as: String.self)) else {
                throw LifelineError(.integrity, "the server secret '\(name)' is unreadable")
            }
            return sealed
        }
    }

    public func sealedServerSecrets() async throws -> [(name: String, secret: SealedSecret)] {
        try await backend.read { db in
            try await db.raw("SELECT name, sealed FROM server_secrets ORDER BY name").all().map { row in
                let name = try row.decode(column: "name", as: String.self)
                guard let sealed = SealedSecret(text: try row.decode(column: "sealed", as: String.self)) else {
                    throw LifelineError(.integrity, "the server secret '\(name)' is unreadable")
                }
                return (name, sealed)
            }
        }
    }

    public func resealServerSecret(name: String, old: SealedSecret, new: SealedSecret) async throws -> Bool {
        try await backend.write { db in
            try await db.raw("""
                UPDATE server_secrets SET sealed = \(bind: new.text) WHERE name = \(bind: name) AND sealed = \(bind: old.text) RETURNING name
                """).first() != nil
        }
    }
}
