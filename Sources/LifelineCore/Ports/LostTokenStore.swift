import Foundation

/// The records of tokens marked lost (docs/lost-token.md): one per token, the temporary code only as an HMAC.
///
/// Contract (every adapter; `Tests/LifelineStoreTests/LostTokenStoreTests.swift` checks it on each):
/// - Reads never fail for "not found": they return nil or an empty list.
/// - Every write goes through the ``TransactionStore`` (``UnitOfWork/Operation/markTokenLost(_:)``,
///   ``UnitOfWork/Operation/useLostToken(tokenID:hash:at:)``,
///   ``UnitOfWork/Operation/countLostTokenFailure(tokenID:at:pin:maxFailures:)``,
///   ``UnitOfWork/Operation/endLostTokens(userID:tokenID:reason:at:)``), in one transaction with its audit record
///   and, for a mark, its notices.
/// - The mark is one atomic conditional update of the token (active or locked → disabled): of concurrent marks of one
///   token exactly one writes a record (one code).
/// - A failure count is an atomic increment on a live record: a limit of N allows N, also under a burst.
/// - Times are compared with the `at` given (the core's clock), never the database's. A record whose `expires_at`
///   has passed is not live, although nothing changed in its row.
/// - Deleting a token deletes its record.
public protocol LostTokenStore: Sendable {
    /// The token's record (any state), or nil when it was never marked lost.
    func lostToken(tokenID: UUID) async throws -> LostToken?
    /// The records of the user's tokens (any state), oldest first.
    func lostTokens(userID: UUID) async throws -> [LostToken]
}
