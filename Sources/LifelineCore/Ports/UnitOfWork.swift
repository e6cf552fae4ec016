import Foundation

/// The writes of one change, recorded by the core and executed by a ``TransactionStore`` in one database transaction,
/// all or nothing.
///
/// Why a recorded list instead of a live transaction handle: the core composes a change, its consequences in other
/// features (``EmergencyCodeRules``) and its audit records without knowing SQL, and the adapter receives the whole
/// change at once. An adapter that batches writes (the group-commit writer of the SQL store) can then run it like any
/// other write: no connection is held open while the core computes, and no await happens inside the transaction but
/// the adapter's own. The price: the core cannot read inside the transaction. Writes whose effect depends on an
/// earlier one ("audit the revocation only if a code was revoked") say so with a typed ``Condition`` on that earlier
/// write, which the adapter evaluates inside the transaction.
public struct UnitOfWork: Sendable {
    /// A reference to a recorded write, for conditions on it and for reading its result.
    public struct Ref: Sendable, Hashable {
        public let index: Int
    }

    /// When a write runs.
    public enum Condition: Sendable, Equatable {
        case always
        /// Only if the referenced write changed at least one row.
        case changed(Ref)
        /// Only if the referenced ``Operation/unlockTokens(userID:)`` made a locked token active again.
        case reactivated(Ref)
        /// Only if the referenced ``Operation/countEmergencyCodeFailure(userID:at:maxFailures:)`` revoked the code (or
        /// ``Operation/countLostTokenFailure(tokenID:at:pin:maxFailures:)`` ended the record).
        case reachedLimit(Ref)
        /// Only if the referenced ``Operation/countRecoveryCodeFailure(userID:)`` left the fail count at `limit` or above.
        case failCountReached(Ref, limit: Int)
    }

    /// The typed writes an adapter executes.
    public enum Operation: Sendable {
        /// Inserts a contact (fails when its user does not exist).
        case insertContact(Contact)
        /// Inserts a token with its sealed secret (fails when its user does not exist).
        case insertToken(StoredToken)
        /// Sets the state of the tenant's token (and with `resetFailCount` clears the fail counter and the throttle);
        /// changes 0 rows when there is no such token. Its result carries the token as stored afterwards.
        case setTokenState(tokenID: UUID, tenantID: UUID, state: TokenState, resetFailCount: Bool)
        /// Clears the lock, the throttle and the fail counter of every token of the user that is locked, throttled or
        /// has failures (disabled tokens stay disabled). Changed: the tokens changed; reactivated: how many were locked.
        case unlockTokens(userID: UUID)
        /// Revokes the user's usable emergency code (active, unexpired at `at`, with uses left): status `revoked`,
        /// `revoked_at` = `at`, `revoked_reason` = `reason`. Changes 0 rows when the user has no usable code.
        case revokeEmergencyCode(userID: UUID, reason: String, at: Date)
        /// Makes `code` the user's emergency code, replacing any earlier one (any status).
        case putEmergencyCode(StoredEmergencyCode)
        /// Adds one to the failure count of the user's active, unexpired code at `at` (0 rows: none), revoking it
        /// (`revoked_at` = `at`, reason "too many wrong codes") when the count reaches `maxFailures`: then the result's
        /// `reachedLimit` is true.
        case countEmergencyCodeFailure(userID: UUID, at: Date, maxFailures: Int)
        /// Makes `set` the user's recovery-code set with `codes`, replacing any earlier set (any status; its codes are
        /// deleted). The set is stored as given, with no revocation.
        case putRecoveryCodes(RecoveryCodeSet, codes: [StoredRecoveryCode])
        /// The single-use guard of a recovery code, one conditional update: marks the code `lookup` of set `setID` used
        /// at `at`, only if it is unused and that set is still the user's active one. Changes 0 rows otherwise.
        case useRecoveryCode(userID: UUID, setID: UUID, lookup: String, at: Date)
        /// Sets the fail count of the user's set to 0 (0 rows when it already is, or there is no set).
        case resetRecoveryCodeFailures(userID: UUID)
        /// Adds one to the fail count of the user's active set (0 rows: none); the result's `failCount` is the new count.
        case countRecoveryCodeFailure(userID: UUID)
        /// Revokes the user's active recovery-code set: status `revoked`, `revoked_at` = `at`, `revoked_reason` =
        /// `reason`. Changes 0 rows when the user has no active set.
        case revokeRecoveryCodes(userID: UUID, reason: String, at: Date)
        /// Marks a token lost (docs/lost-token.md), conditionally: only if the token `lost.tokenID` of `lost.tenantID` is
        /// active or locked, sets it `disabled` and stores `lost` as its record (replacing an earlier, ended one). Changes
        /// 0 rows, writing nothing, otherwise: of concurrent marks of one token exactly one changes it. Its result
        /// carries the token as stored afterwards.
        case markTokenLost(LostToken)
        /// The accept guard of a temporary code (multi-use): clears the failure counts of the token's record only if its
        /// hash is `hash` and it is live at `at` (not ended, not expired). Changes 0 rows otherwise.
        case useLostToken(tokenID: UUID, hash: String, at: Date)
        /// Adds one to the live record's wrong-code count (`pin`: its wrong-PIN count), an atomic increment; the count
        /// that reaches `maxFailures` ends the record (reason ``LostTokenRules/Trigger/tooManyFailures``), and the
        /// result's `reachedLimit` is then true. 0 rows when the token has no live record at `at`.
        case countLostTokenFailure(tokenID: UUID, at: Date, pin: Bool, maxFailures: Int)
        /// Ends the live records (not ended, unexpired at `at`) of the user's tokens (of `tokenID` only, when given):
        /// `ended_at` = `at`, `ended_reason` = `reason`. Changed: how many ended.
        case endLostTokens(userID: UUID, tokenID: UUID?, reason: String, at: Date)
        /// Queues a message in the outbox.
        case queueMessage(OutboxMessage)
        /// Appends an audit record to its chain.
        case appendAudit(AuditRecord)
    }

    /// One recorded write and when it runs.
    public struct Step: Sendable {
        public var operation: Operation
        public var condition: Condition
    }

    /// The writes in the order they run.
    public private(set) var steps: [Step] = []

    public init() {}

    /// Records a write; returns its reference.
    @discardableResult
    public mutating func record(_ operation: Operation, if condition: Condition = .always) -> Ref {
        steps.append(Step(operation: operation, condition: condition))
        return Ref(index: steps.count - 1)
    }

    @discardableResult
    public mutating func insertContact(_ contact: Contact, if condition: Condition = .always) -> Ref {
        record(.insertContact(contact), if: condition)
    }

    @discardableResult
    public mutating func insertToken(_ token: StoredToken, if condition: Condition = .always) -> Ref {
        record(.insertToken(token), if: condition)
    }

    @discardableResult
    public mutating func setTokenState(tokenID: UUID, tenantID: UUID, state: TokenState, resetFailCount: Bool,
                                       if condition: Condition = .always) -> Ref {
        record(.setTokenState(tokenID: tokenID, tenantID: tenantID, state: state, resetFailCount: resetFailCount), if: condition)
    }

    @discardableResult
    public mutating func unlockTokens(userID: UUID, if condition: Condition = .always) -> Ref {
        record(.unlockTokens(userID: userID), if: condition)
    }

    @discardableResult
    public mutating func revokeEmergencyCode(userID: UUID, reason: String, at: Date, if condition: Condition = .always) -> Ref {
        record(.revokeEmergencyCode(userID: userID, reason: reason, at: at), if: condition)
    }

    @discardableResult
    public mutating func putEmergencyCode(_ code: StoredEmergencyCode, if condition: Condition = .always) -> Ref {
        record(.putEmergencyCode(code), if: condition)
    }

    @discardableResult
    public mutating func countEmergencyCodeFailure(userID: UUID, at: Date, maxFailures: Int, if condition: Condition = .always) -> Ref {
        record(.countEmergencyCodeFailure(userID: userID, at: at, maxFailures: maxFailures), if: condition)
    }

    @discardableResult
    public mutating func putRecoveryCodes(_ set: RecoveryCodeSet, codes: [StoredRecoveryCode], if condition: Condition = .always) -> Ref {
        record(.putRecoveryCodes(set, codes: codes), if: condition)
    }

    @discardableResult
    public mutating func useRecoveryCode(userID: UUID, setID: UUID, lookup: String, at: Date, if condition: Condition = .always) -> Ref {
        record(.useRecoveryCode(userID: userID, setID: setID, lookup: lookup, at: at), if: condition)
    }

    @discardableResult
    public mutating func resetRecoveryCodeFailures(userID: UUID, if condition: Condition = .always) -> Ref {
        record(.resetRecoveryCodeFailures(userID: userID), if: condition)
    }

    @discardableResult
    public mutating func countRecoveryCodeFailure(userID: UUID, if condition: Condition = .always) -> Ref {
        record(.countRecoveryCodeFailure(userID: userID), if: condition)
    }

    @discardableResult
    public mutating func revokeRecoveryCodes(userID: UUID, reason: String, at: Date, if condition: Condition = .always) -> Ref {
        record(.revokeRecoveryCodes(userID: userID, reason: reason, at: at), if: condition)
    }

    @discardableResult
    public mutating func markTokenLost(_ lost: LostToken, if condition: Condition = .always) -> Ref {
        record(.markTokenLost(lost), if: condition)
    }

    @discardableResult
    public mutating func useLostToken(tokenID: UUID, hash: String, at: Date, if condition: Condition = .always) -> Ref {
        record(.useLostToken(tokenID: tokenID, hash: hash, at: at), if: condition)
    }

    @discardableResult
    public mutating func countLostTokenFailure(tokenID: UUID, at: Date, pin: Bool, maxFailures: Int, if condition: Condition = .always) -> Ref {
        record(.countLostTokenFailure(tokenID: tokenID, at: at, pin: pin, maxFailures: maxFailures), if: condition)
    }

    @discardableResult
    public mutating func endLostTokens(userID: UUID, tokenID: UUID? = nil, reason: String, at: Date, if condition: Condition = .always) -> Ref {
        record(.endLostTokens(userID: userID, tokenID: tokenID, reason: reason, at: at), if: condition)
    }

    @discardableResult
    public mutating func queue(_ message: OutboxMessage, if condition: Condition = .always) -> Ref {
        record(.queueMessage(message), if: condition)
    }

    @discardableResult
    public mutating func append(_ audit: AuditRecord, if condition: Condition = .always) -> Ref {
        record(.appendAudit(audit), if: condition)
    }

    /// The audit chain whose lane the adapter writes on (``SQLBackend``-style lanes): the first audit record's, else
    /// the global chain.
    public var lane: String {
        for step in steps { if case .appendAudit(let r) = step.operation { return r.chain } }
        return AuditChain.globalChain
    }

    /// What one executed write did.
    public struct StepResult: Sendable, Equatable {
        /// Rows changed (inserts: 1).
        public var changed: Int
        /// ``Operation/unlockTokens(userID:)``: how many of them were locked.
        public var reactivated: Int
        /// ``Operation/setTokenState(tokenID:tenantID:state:resetFailCount:)``: the token as stored afterwards.
        public var token: Token?
        /// ``Operation/countEmergencyCodeFailure(userID:at:maxFailures:)``: whether the code was revoked.
        public var reachedLimit: Bool
        /// ``Operation/countRecoveryCodeFailure(userID:)``: the set's fail count afterwards (nil: no set was counted).
        public var failCount: Int?

        public init(changed: Int, reactivated: Int = 0, token: Token? = nil, reachedLimit: Bool = false, failCount: Int? = nil) {
            self.changed = changed; self.reactivated = reactivated; self.token = token; self.reachedLimit = reachedLimit
            self.failCount = failCount
        }
    }

    /// The results of an executed unit of work, by step (nil: its condition did not hold, it did not run).
    public struct Outcome: Sendable, Equatable {
        public var results: [StepResult?]

        public init(results: [StepResult?]) { self.results = results }

        /// Rows the write changed (0 when it did not run).
        public func changed(_ ref: Ref) -> Int { results[ref.index]?.changed ?? 0 }
        /// The token a ``Operation/setTokenState(tokenID:tenantID:state:resetFailCount:)`` left, nil when it matched none.
        public func token(_ ref: Ref) -> Token? { results[ref.index]?.token }

        /// Whether `condition` holds after the steps executed so far (what an adapter asks before each step).
        public func holds(_ condition: Condition) -> Bool {
            switch condition {
            case .always: return true
            case .changed(let ref): return changed(ref) > 0
            case .reactivated(let ref): return (results[ref.index]?.reactivated ?? 0) > 0
            case .reachedLimit(let ref): return results[ref.index]?.reachedLimit ?? false
            case .failCountReached(let ref, let limit): return (results[ref.index]?.failCount).map { $0 >= limit } ?? false
            }
        }
    }
}
