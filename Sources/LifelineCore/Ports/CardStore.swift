import Foundation

/// Smart cards with their sealed admin keys.
///
/// Contract: serials are passed in normalized form (``SmartCard/normalizedSerial(_:)``) and are unique within a
/// tenant; every change is written in one transaction with its audit record(s), or not at all. A missing card
/// is `nil` / `false`, never an error.
public protocol CardStore: Sendable {
    /// Inserts a card; throws ``LifelineError/Code/conflict`` (writing nothing) when the tenant has the serial.
    func insertCard(_ card: StoredCard, audit: AuditRecord) async throws -> Void
    /// Inserts several cards, each with its audit record (`audits[i]` for `cards[i]`), all in one transaction:
    /// if any serial is taken, throws ``LifelineError/Code/conflict`` naming it and writes nothing.
    func insertCards(_ cards: [StoredCard], audits: [AuditRecord]) async throws -> Void
    /// The card with `serial` in the tenant, with its sealed key.
    func storedCard(tenantID: UUID, serial: String) async throws -> StoredCard?
    /// The cards of a tenant, or of one user of it, ordered by serial; without keys.
    func cards(tenantID: UUID, userID: UUID?) async throws -> [SmartCard]
    /// Deletes a card; returns whether one was deleted (the audit record is written only then).
    func deleteCard(tenantID: UUID, serial: String, audit: AuditRecord) async throws -> Bool
    /// Every sealed card key, for key rotation.
    func sealedCardKeys() async throws -> [(id: UUID, key: SealedSecret)]
    /// Replaces a sealed key only if it still equals `old` (so a concurrent change is never overwritten).
    func resealCard(id: UUID, old: SealedSecret, new: SealedSecret) async throws -> Bool
}
