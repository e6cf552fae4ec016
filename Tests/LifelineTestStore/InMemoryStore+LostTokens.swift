import Foundation
import LifelineCore

/// Lost tokens' records in memory (``LostTokenStore``; the writes are steps of the unit of work, each inside the one
/// lock of ``InMemoryStore/write(_:)``, so the guards hold under concurrency as the SQL store's do).
extension InMemoryStore: LostTokenStore {
    public func lostToken(tokenID: UUID) async throws -> LostToken? { read { $0.lostTokens[tokenID] } }

    public func lostTokens(userID: UUID) async throws -> [LostToken] {
        read { s in
            s.lostTokens.values.filter { $0.userID == userID }
                .sorted { ($0.createdAt, $0.tokenID.uuidString.lowercased()) < ($1.createdAt, $1.tokenID.uuidString.lowercased()) }
        }
    }

    /// ``UnitOfWork/Operation/markTokenLost(_:)``: disables an active or locked token and stores the record.
    static func markTokenLost(_ lost: LostToken, in s: inout State) -> Token? {
        guard var t = s.tokens[lost.tokenID], t.token.tenantID == lost.tenantID, t.token.state != .disabled else { return nil }
        t.token.state = .disabled
        s.tokens[lost.tokenID] = t
        var record = lost
        record.endedAt = nil; record.endedReason = nil; record.failCount = 0; record.pinFailCount = 0
        s.lostTokens[lost.tokenID] = record
        return t.token
    }

    static func useLostToken(tokenID: UUID, hash: String, at now: Date, in s: inout State) -> Bool {
        guard var r = s.lostTokens[tokenID], r.codeHash == hash, r.isLive(at: now) else { return false }
        r.failCount = 0; r.pinFailCount = 0
        s.lostTokens[tokenID] = r
        return true
    }

    static func countLostTokenFailure(tokenID: UUID, at now: Date, pin: Bool, maxFailures: Int, in s: inout State) -> (counted: Bool, ended: Bool) {
        guard var r = s.lostTokens[tokenID], r.isLive(at: now) else { return (false, false) }
        let count: Int
        if pin { r.pinFailCount += 1; count = r.pinFailCount } else { r.failCount += 1; count = r.failCount }
        let ended = count >= maxFailures
        if ended {
            r.endedAt = now
            r.endedReason = (pin ? LostTokenRules.Trigger.tooManyWrongPINs : .tooManyFailures).rawValue
        }
        s.lostTokens[tokenID] = r
        return (true, ended)
    }

    static func endLostTokens(userID: UUID, tokenID: UUID?, reason: String, at now: Date, in s: inout State) -> Int {
        var ended = 0
        for (id, var r) in s.lostTokens where r.userID == userID && r.isLive(at: now) && (tokenID == nil || tokenID == id) {
            r.endedAt = now; r.endedReason = reason
            s.lostTokens[id] = r
            ended += 1
        }
        return ended
    }
}
