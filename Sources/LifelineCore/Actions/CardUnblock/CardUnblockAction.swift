import Foundation

extension RecoveryActionID {
    /// Computes the response to a smart card's unblock challenge (docs/card-unblock.md).
    public static let cardUnblock: Self = "card-unblock"
}

/// Unblocks per user and per card per day. Why both: the card key must not become an encryption oracle for
/// whoever verified once (per card), and a user must not probe serials (per user, unknown serials included).
public enum CardUnblockLimit {
    public static let perUserPerDay = 10, perCardPerDay = 5
}

/// `card-unblock`: the card serial and the challenge the card tool shows; answers the response cryptogram, in the
/// format the challenge was typed in (`hex` or `decimal`, grouped for reading out).
struct CardUnblockAction: RecoveryAction {
    static let unblocksPerUserPerDay = CardUnblockLimit.perUserPerDay, unblocksPerCardPerDay = CardUnblockLimit.perCardPerDay

    var id: RecoveryActionID { .cardUnblock }
    var fields: [ActionField] {
        [ActionField(name: "serial"), ActionField(name: "challenge", hint: "challenge_hint")]
    }
    /// The card in hand is one possession factor (its challenge comes from it); a thief has the card too, so the flow
    /// must add a factor the thief lacks before the card gets a new PIN.
    var assurance: ActionAssurance { .possession }

    func unavailableReason(_ check: ActionCheck) async -> String? {
        ((try? await check.storage.cards(tenantID: check.tenant.id, userID: check.user.id).isEmpty) ?? true) ? "action.no_card" : nil
    }

    func perform(_ ctx: ActionContext, input: ActionInput) async throws -> ActionResult {
        let rawSerial = input["serial"], rawChallenge = input["challenge"]
        guard !rawSerial.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw LifelineError(.invalidRequest, "type the card serial number", details: [ctx.detail("card.serial_required")])
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
        let userKey = "card-unblock:user:\(ctx.user.id.uuidString.lowercased()):\(day)"
        guard try await ctx.storage.counter(userKey).count < Self.unblocksPerUserPerDay else {
            try await ctx.refused("card unblocks per user per day reached")
            throw LifelineError(.rateLimited, "too many card unblocks today", retryAfter: retry, details: [ctx.detail("card.rate_limited")])
        }
        let serial = try? SmartCard.normalizedSerial(rawSerial)
        var stored: StoredCard?
        if let serial { stored = try await ctx.storage.storedCard(tenantID: ctx.tenant.id, serial: serial) }
        // Why the same answer for a card of someone else as for an unknown serial: a verified user must not learn
        // which serials exist, nor whose they are. Counted, so serials cannot be probed.
        guard let stored, stored.card.userID == ctx.user.id else {
            do {
                try await ctx.service.updateFlowRetrying(ctx.flow.id, audit: [ctx.audit("refused", "unknown card or not the user's: \(serial ?? "malformed serial")")],
                                                         counters: [CounterIncrement(userKey, limit: Self.unblocksPerUserPerDay)]) { _ in }
            } catch is CounterLimitReached {
                try await ctx.refused("card unblocks per user per day reached")
                throw LifelineError(.rateLimited, "too many card unblocks today", retryAfter: retry, details: [ctx.detail("card.rate_limited")])
            }
            throw LifelineError(.invalidRequest, "no card with this serial number for this account", details: [ctx.detail("card.unknown")])
        }
        let algorithm = stored.card.algorithm
        guard parsed.bytes.count == algorithm.challengeLength else {
            throw challengeError(ctx, .wrongLength(expectedHexDigits: 2 * algorithm.challengeLength, expectedGroups: ChallengeCode.groupCount(algorithm.challengeLength)))
        }
        let cardKey = "card-unblock:card:\(stored.card.id.uuidString.lowercased()):\(day)"
        guard try await ctx.storage.counter(cardKey).count < Self.unblocksPerCardPerDay else {
            try await ctx.refused("card unblocks per card per day reached: \(stored.card.serial)")
            throw LifelineError(.rateLimited, "too many unblocks of this card today", retryAfter: retry, details: [ctx.detail("card.rate_limited")])
        }
        // The limits are checked again in the claim's write, atomically: the reads above let concurrent requests through.
        let claim: ActionGrantClaim
        do {
            claim = try await ctx.claim(counters: [CounterIncrement(userKey, limit: Self.unblocksPerUserPerDay),
                                                   CounterIncrement(cardKey, limit: Self.unblocksPerCardPerDay)],
                                        reason: "card \(stored.card.serial)")
        } catch let limit as CounterLimitReached {
            let perUser = limit.key == userKey
            try await ctx.refused(perUser ? "card unblocks per user per day reached" : "card unblocks per card per day reached: \(stored.card.serial)")
            throw LifelineError(.rateLimited, perUser ? "too many card unblocks today" : "too many unblocks of this card today", retryAfter: retry,
                                details: [ctx.detail("card.rate_limited")])
        }
        let vault = ctx.service.vault
        let response = try await claim.attempt { try await stored.response(to: parsed.bytes, vault: vault) }
        try await claim.finish(notify: "card_unblock", reason: "card \(stored.card.serial) (\(algorithm.rawValue))")
        let cryptogram = ChallengeCode.format(response, as: parsed.format)
        return ActionResult(result: "card_response",
                            items: [.init("serial", .text(stored.card.serial)), .init("cryptogram", .text(cryptogram)),
                                    .init("format", .text(parsed.format.rawValue))],
                            page: .init(title: "title_card_result", intro: "intro_card_result",
                                        context: ActionText("card_serial", ["serial": .text(stored.card.serial)]), value: cryptogram,
                                        lines: [ActionText(parsed.format == .decimal ? "card_result_decimal" : "card_result_hex")]))
    }

    /// A translated challenge problem (400); nothing was computed or counted.
    func challengeError(_ ctx: ActionContext, _ problem: ChallengeProblem, either: Bool = false) -> LifelineError {
        let detail: FlowText = switch problem {
        case .empty: ctx.detail("card.challenge_empty")
        case .invalidCharacters: ctx.detail("card.challenge_characters")
        case .wrongLength(let hex, let groups):
            either ? ctx.detail("card.challenge_length", ["hex": "16 / 32", "groups": "5 / 10"])
                : ctx.detail("card.challenge_length", ["hex": String(hex), "groups": String(groups)])
        case .checkDigit(let group): ctx.detail("card.challenge_group", ["group": String(group)])
        case .outOfRange: ctx.detail("card.challenge_range")
        }
        return LifelineError(.invalidRequest, problem.description, details: [detail])
    }
}
