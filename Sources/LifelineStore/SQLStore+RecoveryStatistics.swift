import Foundation
import LifelineCore
import SQLKit

extension SQLStore {
    /// Aggregates of the tenant's active users for decoys, cached per tenant for 5 minutes. Each query groups in the
    /// database and returns counts only: no contact leaves the database in this read.
    public func recoveryStatistics(tenantID: UUID) async throws -> RecoveryStatistics {
        let tenant = Row.id(tenantID)
        let domain = backend.kind == .postgres ? "lower(split_part(c.value, '@', 2))" : "lower(substr(c.value, instr(c.value, '@') + 1))"
        // The country code by the rules of ContactFormat.countryCode: 1 and 7 one digit, the listed two-digit codes,
        // three digits otherwise. The list is constant digits, written into the statement.
        let two = ContactFormat.twoDigitCountryCodes.sorted().map { "'\($0)'" }.joined(separator: ",")
        let country = """
            CASE WHEN substr(c.value, 2, 1) IN ('1','7') THEN substr(c.value, 1, 2)
                 WHEN substr(c.value, 2, 2) IN (\(two)) THEN substr(c.value, 1, 3)
                 ELSE substr(c.value, 1, 4) END
            """
        return try await recoveryStatisticsCache.value(for: tenant) {
            try await backend.read { db in
                func byText(_ sql: SQLQueryString) async throws -> [String: Int] {
                    var out: [String: Int] = [:]
                    for row in try await db.raw(sql).all() {
                        out[try row.decode(column: "v", as: String.self)] = Int(try row.decode(column: "n", as: Int64.self))
                    }
                    return out
                }
                func byCount(_ sql: SQLQueryString) async throws -> [Int: Int] {
                    var out: [Int: Int] = [:]
                    for row in try await db.raw(sql).all() {
                        out[Int(try row.decode(column: "v", as: Int64.self))] = Int(try row.decode(column: "n", as: Int64.self))
                    }
                    return out
                }
                func perUser(_ kind: ContactKind) -> SQLQueryString {
                    """
                    SELECT x.k AS v, COUNT(*) AS n FROM (SELECT c.user_id, COUNT(*) AS k FROM contacts c JOIN users u ON u.id = c.user_id
                      WHERE u.tenant_id = \(bind: tenant) AND u.status = 'active' AND c.verified = 1 AND c.kind = \(bind: kind.rawValue)
                      GROUP BY c.user_id) x GROUP BY x.k
                    """
                }
                func perValue(_ kind: ContactKind, _ expression: String) -> SQLQueryString {
                    """
                    SELECT x.d AS v, COUNT(DISTINCT x.user_id) AS n FROM (SELECT c.user_id AS user_id, \(unsafeRaw: expression) AS d
                      FROM contacts c JOIN users u ON u.id = c.user_id
                      WHERE u.tenant_id = \(bind: tenant) AND u.status = 'active' AND c.verified = 1 AND c.kind = \(bind: kind.rawValue)) x
                      GROUP BY x.d
                    """
                }
                return RecoveryStatistics(
                    emailDomains: try await byText(perValue(.email, domain)),
                    phoneCountries: try await byText(perValue(.phone, country)),
                    phoneCounts: try await byCount(perUser(.phone)),
                    emailCounts: try await byCount(perUser(.email)),
                    answerCounts: try await byCount("""
                        SELECT x.k AS v, COUNT(*) AS n FROM (SELECT a.user_id, COUNT(*) AS k FROM security_answers a JOIN users u ON u.id = a.user_id
                          WHERE u.tenant_id = \(bind: tenant) AND u.status = 'active' GROUP BY a.user_id) x GROUP BY x.k
                        """),
                    questionUsers: try await byText("""
                        SELECT a.question_id AS v, COUNT(*) AS n FROM security_answers a JOIN users u ON u.id = a.user_id
                          WHERE u.tenant_id = \(bind: tenant) AND u.status = 'active' GROUP BY a.question_id
                        """))
            }
        }
    }
}
