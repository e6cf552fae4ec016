import Foundation

extension AdminService {
    /// Registers a smart card for a user with its admin key (hex). The key is checked (``CardKey/validate(_:for:)``:
    /// length, default and degenerate keys), sealed under the current key-encryption key with the card id as
    /// context, and never returned or logged. Throws `invalidRequest` for a bad serial or key, `notFound` for an
    /// unknown tenant or user, `conflict` when the tenant already has the serial.
    public func importCard(tenantName: String, username: String, serial: String, algorithm: CardKeyAlgorithm, keyHex: String,
                           caller: Caller) async throws -> (card: SmartCard, username: String) {
        try authorizer.require(.cardsWrite, caller)
        let serial = try SmartCard.normalizedSerial(serial)
        let key = try CardKey.parse(hex: keyHex, for: algorithm)
        let (tenant, user) = try await user(tenantName: tenantName, username: username, caller: caller)
        let card = SmartCard(id: random.uuid(), tenantID: tenant.id, userID: user.id, serial: serial, algorithm: algorithm, createdAt: clock.now())
        let sealed = try await vault.seal(key, context: StoredCard.sealContext(card.id))
        try await storage.insertCard(StoredCard(card: card, key: sealed), audit: cardAudit(caller, tenant: tenant, user: user, card: card))
        return (card, user.username)
    }

    /// Imports many cards at once, all or nothing: every line is checked first (serial, algorithm, key rules, user
    /// exists, serial not repeated in the file nor registered), and if any line is bad nothing is imported and the
    /// error lists every bad line as `line N: …`. Then all cards are stored in one transaction.
    public func importCards(tenantName: String, _ lines: [CardImportLine], caller: Caller) async throws -> [SmartCard] {
        try authorizer.require(.cardsWrite, caller)
        let tenant = try await tenant(tenantName, caller: caller)
        var problems: [String] = []
        var accepted: [(card: SmartCard, key: [UInt8], user: User)] = []
        var seen: [String: Int] = [:]
        for line in lines {
            do {
                let serial = try SmartCard.normalizedSerial(line.serial)
                let algorithm = try CardKeyAlgorithm.parse(line.algorithm)
                let key = try CardKey.parse(hex: line.key, for: algorithm)
                if let first = seen[serial] { throw LifelineError(.invalidRequest, "serial \(serial) is also on line \(first)") }
                seen[serial] = line.line
                guard let user = try await storage.user(tenantID: tenant.id, username: line.username) else {
                    throw LifelineError(.invalidRequest, "no user '\(line.username)' in tenant \(tenant.name)")
                }
                if try await storage.storedCard(tenantID: tenant.id, serial: serial) != nil {
                    throw LifelineError(.invalidRequest, "a card with serial \(serial) is already registered")
                }
                accepted.append((SmartCard(id: random.uuid(), tenantID: tenant.id, userID: user.id, serial: serial, algorithm: algorithm,
                                           createdAt: clock.now()), key, user))
            } catch let error as LifelineError {
                problems.append("line \(line.line): \(error.message)")
            }
        }
        guard problems.isEmpty else { throw LifelineError(.invalidRequest, problems.joined(separator: "\n")) }
        var stored: [StoredCard] = []
        for a in accepted {
            stored.append(StoredCard(card: a.card, key: try await vault.seal(a.key, context: StoredCard.sealContext(a.card.id))))
        }
        try await storage.insertCards(stored, audits: accepted.map { cardAudit(caller, tenant: tenant, user: $0.user, card: $0.card) })
        return accepted.map(\.card)
    }

    /// Cards of a tenant, optionally of one user, with the usernames of their owners. Never with keys.
    public func listCards(tenantName: String, username: String?, caller: Caller) async throws -> (Tenant, [SmartCard], [UUID: String]) {
        try authorizer.require(.cardsRead, caller)
        let tenant = try await tenant(tenantName, caller: caller)
        var userID: UUID? = nil
        if let username {
            guard let user = try await storage.user(tenantID: tenant.id, username: username) else { throw LifelineError(.notFound, "no such user") }
            userID = user.id
        }
        let cards = try await storage.cards(tenantID: tenant.id, userID: userID)
        let names = Dictionary(uniqueKeysWithValues: try await storage.users(tenantID: tenant.id).map { ($0.id, $0.username) })
        return (tenant, cards, names)
    }

    /// Removes a card (its sealed key with it); throws `notFound` when the tenant has no such serial.
    public func deleteCard(tenantName: String, serial: String, caller: Caller) async throws {
        try authorizer.require(.cardsWrite, caller)
        let tenant = try await tenant(tenantName, caller: caller)
        let serial = try SmartCard.normalizedSerial(serial)
        guard let stored = try await storage.storedCard(tenantID: tenant.id, serial: serial) else { throw LifelineError(.notFound, "no such card") }
        let owner = try await storage.user(id: stored.card.userID)?.username ?? ""
        let record = audit(caller, tenant: tenant.name, subject: owner, event: "card.delete", reason: "serial \(serial)")
        guard try await storage.deleteCard(tenantID: tenant.id, serial: serial, audit: record) else { throw LifelineError(.notFound, "no such card") }
    }

    private func cardAudit(_ caller: Caller, tenant: Tenant, user: User, card: SmartCard) -> AuditRecord {
        audit(caller, tenant: tenant.name, subject: user.username, event: "card.import", reason: "serial \(card.serial) \(card.algorithm.rawValue)")
    }
}
