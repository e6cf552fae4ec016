import Foundation
import LifelineCore
import SQLKit

extension SQLStore: CardStore {
    public func insertCard(_ card: StoredCard, audit: AuditRecord) async throws {
        try await insertCards([card], audits: [audit])
    }

    public func insertCards(_ cards: [StoredCard], audits: [AuditRecord]) async throws {
        precondition(cards.count == audits.count, "one audit record per card")
        try await backend.write(lane: audits.first?.chain ?? AuditChain.globalChain) { db in
            for (s, audit) in zip(cards, audits) {
                let c = s.card
                // A taken serial matches the UNIQUE (tenant_id, serial) constraint: no row comes back, and throwing
                // rolls back the cards inserted before it in this transaction.
                let inserted = try await db.raw("""
                    INSERT INTO cards (id, tenant_id, user_id, serial, algorithm, sealed_key, created_at)
                    VALUES (\(bind: Row.id(c.id)), \(bind: Row.id(c.tenantID)), \(bind: Row.id(c.userID)), \(bind: c.serial),
                      \(bind: c.algorithm.rawValue), \(bind: s.key.text), \(bind: Row.millis(c.createdAt)))
                    ON CONFLICT DO NOTHING RETURNING id
                    """).first()
                guard inserted != nil else { throw LifelineError(.conflict, "a card with serial '\(c.serial)' exists in this tenant") }
                try await self.appendAudit(audit, in: db)
            }
        }
    }

    public func storedCard(tenantID: UUID, serial: String) async throws -> StoredCard? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM cards WHERE tenant_id = \(bind: Row.id(tenantID)) AND serial = \(bind: serial)")
                .first().map(Self.storedCard(from:))
        }
    }

    public func cards(tenantID: UUID, userID: UUID?) async throws -> [SmartCard] {
        try await backend.read { db in
            let rows: [any SQLRow]
            if let userID {
                rows = try await db.raw("""
                    SELECT * FROM cards WHERE tenant_id = \(bind: Row.id(tenantID)) AND user_id = \(bind: Row.id(userID)) ORDER BY serial
                    """).all()
            } else {
                rows = try await db.raw("SELECT * FROM cards WHERE tenant_id = \(bind: Row.id(tenantID)) ORDER BY serial").all()
            }
            return try rows.map { try Self.storedCard(from: $0).card }
        }
    }

    public func deleteCard(tenantID: UUID, serial: String, audit: AuditRecord) async throws -> Bool {
        try await backend.write(lane: audit.chain) { db in
            try await self.changeThenAudit("""
                DELETE FROM cards WHERE tenant_id = \(bind: Row.id(tenantID)) AND serial = \(bind: serial) RETURNING id
                """, audit: audit, in: db)
        }
    }

    public func sealedCardKeys() async throws -> [(id: UUID, key: SealedSecret)] {
        try await backend.read { db in
            try await db.raw("SELECT id, sealed_key FROM cards ORDER BY id").all().map { row in
                (try Row.uuid(row, "id"), try Self.sealedKey(row))
            }
        }
    }

    public func resealCard(id: UUID, old: SealedSecret, new: SealedSecret) async throws -> Bool {
        try await backend.write { db in
            try await db.raw("""
                UPDATE cards SET sealed_key = \(bind: new.text) WHERE id = \(bind: Row.id(id)) AND sealed_key = \(bind: old.text) RETURNING id
                """).first() != nil
        }
    }

    static func storedCard(from row: any SQLRow) throws -> StoredCard {
        let card = SmartCard(id: try Row.uuid(row, "id"), tenantID: try Row.uuid(row, "tenant_id"), userID: try Row.uuid(row, "user_id"),
                             serial: try row.decode(column: "serial", as: String.self),
                             algorithm: try Row.enumValue(row, "algorithm", as: CardKeyAlgorithm.self),
                             createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)))
        return StoredCard(card: card, key: try sealedKey(row))
    }

    private static func sealedKey(_ row: any SQLRow) throws -> SealedSecret {
        guard let key = SealedSecret(text: try row.decode(column: "sealed_key", as: String.self)) else {
            throw LifelineError(.integrity, "a card key is not in sealed form")
        }
        return key
    }
}
