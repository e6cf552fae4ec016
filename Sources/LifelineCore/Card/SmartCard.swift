import Foundation

/// A user's registered smart card. Its admin key is never part of this value: it is kept sealed
/// (``StoredCard/key``) and opened only to answer an unblock challenge.
public struct SmartCard: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var tenantID: UUID
    public var userID: UUID
    /// The card's serial in normalized form (``SmartCard/normalizedSerial(_:)``); unique within a tenant.
    public var serial: String
    public var algorithm: CardKeyAlgorithm
    public var createdAt: Date

    public init(id: UUID, tenantID: UUID, userID: UUID, serial: String, algorithm: CardKeyAlgorithm, createdAt: Date) {
        self.id = id; self.tenantID = tenantID; self.userID = userID; self.serial = serial
        self.algorithm = algorithm; self.createdAt = createdAt
    }

    /// A serial as stored and looked up: surrounding white space trimmed, upper-cased, 1–64 characters of
    /// `A–Z`, `0–9` and `-`. Why normalize: users read serials off a card or a tool and type them in any case;
    /// `ab-12` and `AB-12` must be one card, and a restricted alphabet keeps serials safe in URLs, CSV and logs.
    public static func normalizedSerial(_ raw: String) throws(LifelineError) -> String {
        let serial = raw.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        let bytes = Array(serial.utf8)
        guard (1...64).contains(bytes.count), bytes.allSatisfy({
            ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-")
        }) else {
            throw LifelineError(.invalidRequest, "card serial must be 1-64 characters of A-Z, 0-9 and '-'")
        }
        return serial
    }
}

/// A card together with its sealed admin key, as the store keeps it.
///
/// The key is sealed with the ``KeyRing`` (AES-256-GCM) with the card's id (`card.id.uuidString`) as context,
/// like OTP seeds: open it with `vault.open(stored.key, context: stored.card.id.uuidString)`.
public struct StoredCard: Sendable {
    public var card: SmartCard
    public var key: SealedSecret
    public init(card: SmartCard, key: SealedSecret) { self.card = card; self.key = key }

    /// The sealing context of a card's key: its id, so a sealed key copied onto another card's row does not open.
    public static func sealContext(_ id: UUID) -> String { id.uuidString }
}

extension StoredCard {
    /// The response cryptogram to `challenge` (``CardCipher/response(challenge:key:algorithm:)``), opening the
    /// sealed key through `vault` for just this computation. Throws `invalidRequest` when the challenge length
    /// does not fit the card's algorithm.
    public func response(to challenge: [UInt8], vault: any KeyVault) async throws -> [UInt8] {
        var key = try await vault.open(key, context: StoredCard.sealContext(card.id))
        defer { for i in key.indices { key[i] = 0 } }
        return try CardCipher.response(challenge: challenge, key: key, algorithm: card.algorithm)
    }
}
