import Foundation
import LifelineCore

extension InMemoryStore: CardStore {
    public func insertCard(_ card: StoredCard, audit: AuditRecord) async throws {
        try await insertCards([card], audits: [audit])
    }

    public func insertCards(_ cards: [StoredCard], audits: [AuditRecord]) async throws {
        let key = try await auditKey()
        try write { s in
            for (card, audit) in zip(cards, audits) {
                guard !s.cards.values.contains(where: { $0.card.tenantID == card.card.tenantID && $0.card.serial == card.card.serial }) else {
                    throw LifelineError(.conflict, "card \(card.card.serial) exists in this tenant")
                }
                s.cards[card.card.id] = card
                Self.append(audit, key: key, to: &s)
            }
        }
    }

    public func storedCard(tenantID: UUID, serial: String) async throws -> StoredCard? {
        read { $0.cards.values.first { $0.card.tenantID == tenantID && $0.card.serial == serial } }
    }

    public func cards(tenantID: UUID, userID: UUID?) async throws -> [SmartCard] {
        read { s in s.cards.values.map(\.card).filter { $0.tenantID == tenantID && (userID == nil || $0.userID == userID) }.sorted { $0.serial < $1.serial } }
    }

    public func deleteCard(tenantID: UUID, serial: String, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard let id = s.cards.values.first(where: { $0.card.tenantID == tenantID && $0.card.serial == serial })?.card.id else { return false }
            s.cards[id] = nil
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func sealedCardKeys() async throws -> [(id: UUID, key: SealedSecret)] {
        read { $0.cards.values.sorted { $0.card.id.uuidString < $1.card.id.uuidString }.map { ($0.card.id, $0.key) } }
    }

    public func resealCard(id: UUID, old: SealedSecret, new: SealedSecret) async throws -> Bool {
        write { s in
            guard var card = s.cards[id], card.key == old else { return false }
            card.key = new
            s.cards[id] = card
            return true
        }
    }
}
