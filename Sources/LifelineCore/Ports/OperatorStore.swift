import Foundation

/// Console operators, their sessions and enrolment links.
///
/// Contract: names are unique (``insertOperator(_:enrolment:audit:)`` throws ``LifelineError/Code/conflict`` for a taken
/// name and writes nothing). Every change takes its audit record and writes both in one transaction. The single-use
/// guards are atomic conditional updates, so that any number of concurrent calls succeed at most once:
/// an enrolment link is used once (``completeEnrolment(tokenHash:operatorID:passwordHash:step:now:audit:)``), and a TOTP
/// step is accepted once per operator (``startSession(_:step:seenFailCount:now:audit:)``,
/// ``reauthenticate(sessionID:operatorID:step:seenFailCount:now:audit:)``: `last_totp_step` must be below `step`).
public protocol OperatorStore: Sendable {
    /// Inserts a new operator with its enrolment link (nil: an operator created active, e.g. the demo's).
    func insertOperator(_ op: Operator, enrolment: OperatorEnrolment?, audit: AuditRecord) async throws
    func operatorRecord(named name: String) async throws -> Operator?
    func operatorRecord(id: UUID) async throws -> Operator?
    /// Every operator, by name.
    func operatorRecords() async throws -> [Operator]
    /// Stores the operator's role, tenants, state, password hash and TOTP secret (not its fail counter or TOTP step);
    /// with `endSessions`, deletes its sessions and enrolment links in the same transaction; with `enrolment`, adds that
    /// link. Throws ``LifelineError/Code/notFound`` when there is no such operator.
    func updateOperator(_ op: Operator, endSessions: Bool, enrolment: OperatorEnrolment?, audit: AuditRecord) async throws
    /// The enrolment link with this token hash (expired ones too; the service checks the time).
    func enrolment(tokenHash: String) async throws -> OperatorEnrolment?
    /// Uses the enrolment link once: deletes it if it is still there and unexpired at `now`, and only then makes the
    /// operator active with `passwordHash` and `last_totp_step = step` (the confirming code is used up). Returns whether
    /// it did (false: another request used the link first, or it expired).
    func completeEnrolment(tokenHash: String, operatorID: UUID, passwordHash: String, step: Int64, now: Date, audit: AuditRecord) async throws -> Bool
    /// Logs in: only if the operator is active, its fail counter still equals `seenFailCount`, it is not throttled at
    /// `now` and `last_totp_step` is null or below `step`, sets `last_totp_step = step`, clears the fail counter and the
    /// throttle, and inserts `session`. Returns whether it did (false: the code was used meanwhile — a replay).
    func startSession(_ session: OperatorSession, step: Int64, seenFailCount: Int, now: Date, audit: AuditRecord) async throws -> Bool
    /// Records one failed login (compare-and-set on the fail counter, like ``TokenStore/recordFailure(_:audit:)``).
    func recordOperatorFailure(operatorID: UUID, seenFailCount: Int, throttledUntil: Date?, audit: AuditRecord) async throws
    /// Re-authentication: uses `step` like ``startSession(_:step:seenFailCount:now:audit:)`` and sets the session's
    /// `reauth_at = now`. Returns whether it did.
    func reauthenticate(sessionID: UUID, operatorID: UUID, step: Int64, seenFailCount: Int, now: Date, audit: AuditRecord) async throws -> Bool
    func session(tokenHash: String) async throws -> OperatorSession?
    /// Sets the session's last-seen time (never moves it back).
    func touchSession(id: UUID, at: Date) async throws
    /// The operator's sessions, newest first.
    func sessions(operatorID: UUID) async throws -> [OperatorSession]
    /// Deletes the session `id` of `operatorID` and appends `audit` (nil: no audit, e.g. an expired session swept);
    /// false when there was none.
    func deleteSession(id: UUID, operatorID: UUID, audit: AuditRecord?) async throws -> Bool
    /// Deletes the operator's sessions that are over at `now` (idle or absolute limit).
    func deleteExpiredSessions(operatorID: UUID, now: Date) async throws
}
