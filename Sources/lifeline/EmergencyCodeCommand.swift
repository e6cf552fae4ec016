import ArgumentParser
import Foundation
import LifelineApp
import LifelineCore

extension UserCommand {
    /// `lifeline user emergency-code --tenant T USER [--revoke]`: shows (or revokes) a user's emergency access code.
    /// There is no issuing command: codes are issued only through a verified recovery flow.
    struct EmergencyCode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "emergency-code",
            abstract: "Show a user's emergency access code (never the code itself), or revoke it with --revoke.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant name.") var tenant: String
        @Argument(help: "Username.") var username: String
        @Flag(help: "Revoke the code (audited).") var revoke = false

        func run() async throws {
            let (user, state) = try await withRuntime(storage) { runtime in
                revoke ? try await runtime.admin.revokeEmergencyCode(tenantName: tenant, username: username, caller: .cli)
                       : try await runtime.admin.emergencyCode(tenantName: tenant, username: username, caller: .cli)
            }
            for line in Self.lines(state, username: user.username) { print(line) }
        }

        static func lines(_ s: EmergencyCodeState, username: String) -> [String] {
            func time(_ d: Date?) -> String { d.map { ISO8601DateFormatter().string(from: $0) } ?? "-" }
            return [
                "user\t\(username)",
                "status\t\(s.status.rawValue)",
                "template\t\(s.templateID)",
                "issued_at\t\(time(s.issuedAt))",
                "expires_at\t\(time(s.expiresAt))",
                "uses\t\(s.usedCount) used" + (s.maxUses.map { " of \($0), \(s.usesLeft ?? 0) left" } ?? " (no use limit)"),
                "failed_attempts\t\(s.failCount)",
            ] + (s.status == .revoked ? ["revoked_at\t\(time(s.revokedAt))", "revoked_reason\t\(s.revokedReason ?? "")"] : [])
        }
    }
}
