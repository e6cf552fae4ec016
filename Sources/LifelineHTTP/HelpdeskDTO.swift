import Foundation
import LifelineCore

/// The helpdesk's JSON shapes (snake_case by the encoder; absent values are left out).
enum HelpdeskDTO {
    struct ResultOut: Encodable {
        let status = "done"
        let action: String
        let token: DTO.TokenOut?
        let emergencyCodeStatus: String?
        let budgetsCleared: Int?
        let code: CodeOut?
        /// The unblocking code just displayed (`ubc_display`): the only time anyone sees it.
        let ubc: UBCOut?
        /// Until when the user may set a new PIN in the app (`pin_reset_present`).
        let pinResetOpenUntil: Date?
        let summary: String

        init(_ r: HelpdeskResult) {
            action = r.action.rawValue
            token = r.token.map { DTO.TokenOut(t: $0, tenant: r.tenant, username: r.username) }
            emergencyCodeStatus = r.emergencyCode?.status.rawValue
            budgetsCleared = r.budgetsCleared
            code = r.code.map(CodeOut.init)
            ubc = r.ubc.map { UBCOut(code: $0.code, expiresAt: $0.expiresAt) }
            pinResetOpenUntil = r.pinResetOpenUntil
            summary = r.summary
        }
    }

    struct UBCOut: Encodable { let code: String, expiresAt: Date }

    struct CodeOut: Encodable {
        /// Only with delivery `show`: the one time it is shown.
        let code: String?
        let expiresAt: Date?
        let maxUses: Int?
        let delivery: String
        let sentTo: String?
        init(_ c: IssuedHelpdeskCode) {
            code = c.code; expiresAt = c.expiresAt; maxUses = c.maxUses; delivery = c.delivery.rawValue; sentTo = c.sentTo
        }
    }

    struct PendingOut: Encodable {
        let status = "pending_approval"
        let request: ApprovalOut
    }

    struct ApprovedOut: Encodable {
        let request: ApprovalOut
        let result: ResultOut
    }

    struct ApprovalOut: Encodable {
        let id: String, username: String, action: String, parameters: [String: String], requestedBy: String, reason: String
        let createdAt: Date, expiresAt: Date, status: String
        let decidedBy: String?, decidedAt: Date?, result: String?
        init(_ r: ApprovalRequest) {
            id = r.id.uuidString.lowercased(); username = r.username; action = r.action.rawValue; parameters = r.parameters
            requestedBy = r.requestedBy; reason = r.reason; createdAt = r.createdAt; expiresAt = r.expiresAt; status = r.status.rawValue
            decidedBy = r.decidedBy; decidedAt = r.decidedAt; result = r.result
        }
    }

    struct VerificationOut: Encodable {
        let channel: String, sentTo: String, attempts: Int, expiresAt: Date, verified: Bool
        let verifiedUntil: Date?
        init(_ v: CallerVerification) {
            channel = v.channel.rawValue; sentTo = v.maskedRecipient; attempts = v.attempts; expiresAt = v.expiresAt
            verified = v.verifiedUntil != nil; verifiedUntil = v.verifiedUntil
        }
    }

    struct CheckOut: Encodable {
        let verified: Bool
        let verifiedUntil: Date?
        let attemptsLeft: Int?
    }
}
