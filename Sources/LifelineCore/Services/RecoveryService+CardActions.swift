import Foundation

/// The actions that issue a secret for the user's other credentials (card-unblock, emergency-code); dispatched by
/// ``RecoveryService/useAction(flowID:action:input:source:)``.
extension RecoveryService {
    // MARK: card-unblock, emergency-code

    /// Unblocks per user and per card per day. Why both: the card key must not become an encryption oracle for
    /// whoever verified once (per card), and a user must not probe serials (per user, unknown serials included).
    public static let cardUnblocksPerUserPerDay = 10, cardUnblocksPerCardPerDay = 5

    func cardUnblock(_ ctx: ActionContext, input: ActionInput, userID: UUID) async throws -> ActionOutcome {
        guard case .card(let rawSerial, let rawChallenge) = input, !rawSerial.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw LifelineError(.invalidRequest, "type the card serial number", details: [ctx.detail(catalog, "card.serial_required")])
        }
        // The challenge is checked first, for both lengths: a typing error is named before anything is looked up.
        let parsed: (bytes: [UInt8], format: ChallengeFormat)
        switch ChallengeCode.parse(rawChallenge, length: 8) {
        case .success(let p): parsed = p
        case .failure(.wrongLength):
            switch ChallengeCode.parse(rawChallenge, length: 16) {
            case .success(let p): parsed = p
            case .failure(.wrongLength): throw challengeError(ctx, .wrongLength(expectedHexDigits: 16, expectedGroups: 5), either: true)
            case .failure(let problem): throw challengeError(ctx, problem)
            }
        case .failure(let problem): throw challengeError(ctx, problem)
        }
        let day = Int(ctx.now.timeIntervalSince1970) / 86_400
        let retry = Date(timeIntervalSince1970: Double((day + 1) * 86_400)).wholeSeconds(after: ctx.now)
        let userKey = "card-unblock:user:\(userID.uuidString.lowercased()):\(day)"
        guard try await storage.counter(userKey).count < Self.cardUnblocksPerUserPerDay else {
            try await storage.append(ctx.audit("refused", "card unblocks per user per day reached"))
            throw LifelineError(.rateLimited, "too many card unblocks today", retryAfter: retry, details: [ctx.detail(catalog, "card.rate_limited")])
        }
        let serial = try? SmartCard.normalizedSerial(rawSerial)
        let stored = try await serial.asyncMap { try await storage.storedCard(tenantID: ctx.tenant.id, serial: $0) } ?? nil
        // Why the same answer for a card of someone else as for an unknown serial: a verified user must not learn
        // which serials exist, nor whose they are. Counted, so serials cannot be probed.
        guard let stored, stored.card.userID == userID else {
            do {
                try await updateFlowRetrying(ctx.flow.id, audit: [ctx.audit("refused", "unknown card or not the user's: \(serial ?? "malformed serial")")],
                                             counters: [CounterIncrement(userKey, limit: Self.cardUnblocksPerUserPerDay)]) { _ in }
            } catch is CounterLimitReached {
                try await storage.append(ctx.audit("refused", "card unblocks per user per day reached"))
                throw LifelineError(.rateLimited, "too many card unblocks today", retryAfter: retry, details: [ctx.detail(catalog, "card.rate_limited")])
            }
            throw LifelineError(.invalidRequest, "no card with this serial number for this account", details: [ctx.detail(catalog, "card.unknown")])
        }
        let algorithm = stored.card.algorithm
        guard parsed.bytes.count == algorithm.challengeLength else {
            throw challengeError(ctx, .wrongLength(expectedHexDigits: 2 * algorithm.challengeLength, expectedGroups: ChallengeCode.groupCount(algorithm.challengeLength)))
        }
        let cardKey = "card-unblock:card:\(stored.card.id.uuidString.lowercased()):\(day)"
        guard try await storage.counter(cardKey).count < Self.cardUnblocksPerCardPerDay else {
            try await storage.append(ctx.audit("refused", "card unblocks per card per day reached: \(stored.card.serial)"))
            throw LifelineError(.rateLimited, "too many unblocks of this card today", retryAfter: retry, details: [ctx.detail(catalog, "card.rate_limited")])
        }
        // The limits are checked again in the claim's write, atomically: the reads above let concurrent requests through.
        let claimed: ActionContext
        do {
            claimed = try await claim(ctx, counters: [CounterIncrement(userKey, limit: Self.cardUnblocksPerUserPerDay),
                                                      CounterIncrement(cardKey, limit: Self.cardUnblocksPerCardPerDay)],
                                      reason: "card \(stored.card.serial)")
        } catch let limit as CounterLimitReached {
            let perUser = limit.key == userKey
            try await storage.append(ctx.audit("refused", perUser ? "card unblocks per user per day reached" : "card unblocks per card per day reached: \(stored.card.serial)"))
            throw LifelineError(.rateLimited, perUser ? "too many card unblocks today" : "too many unblocks of this card today", retryAfter: retry,
                                details: [ctx.detail(catalog, "card.rate_limited")])
        }
        let response: [UInt8]
        do {
            response = try await stored.response(to: parsed.bytes, vault: vault)
        } catch {
            throw try await giveBack(claimed, error)
        }
        try await finish(claimed, notice: nil, notify: "card_unblock", reason: "card \(stored.card.serial) (\(algorithm.rawValue))")
        return .cardResponse(serial: stored.card.serial, cryptogram: ChallengeCode.format(response, as: parsed.format), format: parsed.format.rawValue)
    }

    /// A translated challenge problem (400); nothing was computed or counted.
    func challengeError(_ ctx: ActionContext, _ problem: ChallengeProblem, either: Bool = false) -> LifelineError {
        let detail: FlowText = switch problem {
        case .empty: ctx.detail(catalog, "card.challenge_empty")
        case .invalidCharacters: ctx.detail(catalog, "card.challenge_characters")
        case .wrongLength(let hex, let groups):
            either ? ctx.detail(catalog, "card.challenge_length", ["hex": "16 / 32", "groups": "5 / 10"])
                : ctx.detail(catalog, "card.challenge_length", ["hex": String(hex), "groups": String(groups)])
        case .checkDigit(let group): ctx.detail(catalog, "card.challenge_group", ["group": String(group)])
        case .outOfRange: ctx.detail(catalog, "card.challenge_range")
        }
        return LifelineError(.invalidRequest, problem.description, details: [detail])
    }

    func emergencyCode(_ ctx: ActionContext, user: User) async throws -> ActionOutcome {
        guard let def = ctx.flow.definitionID.flatMap(ctx.config.flow), let template = ctx.config.emergencyTemplate(for: def) else {
            throw LifelineError(.actionUnavailable, "no emergency-code template is configured")
        }
        let claimed = try await claim(ctx, reason: "template \(template.id)")
        let issued: IssuedEmergencyCode
        do {
            issued = try await EmergencyCodeService(storage: storage, vault: vault, clock: clock, random: random)
                .issue(tenant: ctx.tenant, userID: user.id, username: user.username, template: template, actor: "anonymous", source: ctx.source)
        } catch {
            throw try await giveBack(claimed, error)
        }
        try await finish(claimed, notice: nil, notify: "emergency_code", reason: "template \(template.id)")
        return .emergencyCode(code: issued.code, expiresAt: issued.expiresAt, maxUses: issued.maxUses)
    }
}
