import Foundation
import LifelineCore
import Testing

/// The action id: a string in JSON, strict where a tenant writes it, lenient where the store reads its own rows.
@Suite("Recovery action ids")
struct RecoveryActionIDTests {
    static let strict: JSONDecoder = {
        let d = JSONDecoder()
        d.userInfo[ConfigKeyCheck.strict] = true
        return d
    }()

    @Test func writtenAsItsString() throws {
        let grant = ActionGrant(action: .resetPassword, expiresAt: Date(timeIntervalSince1970: 0))
        let json = String(decoding: try JSONEncoder().encode(grant.action), as: UTF8.self)
        #expect(json == #""reset-password""#)
    }

    @Test func aTenantConfigurationNamesOnlyKnownActions() throws {
        #expect(try Self.strict.decode([RecoveryActionID].self, from: Data(#"["unlock-account","card-unblock"]"#.utf8)) == [.unlockAccount, .cardUnblock])
        do {
            _ = try Self.strict.decode([RecoveryActionID].self, from: Data(#"["unlock-account","leave-note"]"#.utf8))
            Issue.record("an unknown action was accepted")
        } catch DecodingError.dataCorrupted(let ctx) {
            #expect(ctx.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue } == ["1"])
            #expect(ctx.debugDescription == "Cannot initialize RecoveryAction from invalid String value leave-note")
        }
    }

    @Test func theStoreReadsARetiredActionWithoutFailing() throws {
        // A stored flow whose grant names an action this version no longer has stays readable ("no such action" at use).
        let id = try JSONDecoder().decode(RecoveryActionID.self, from: Data(#""retired-action""#.utf8))
        #expect(id.rawValue == "retired-action" && id.assurance == .twoFactors)
    }

    @Test func everyStandardActionIsRegisteredUnderItsID() {
        for id: RecoveryActionID in [.resetPassword, .unlockAccount, .cardUnblock, .emergencyCode, .unlockAuthenticator, .selfservice] {
            #expect(ActionRegistry.standard.action(id)?.id == id, "\(id)")
        }
        #expect(ActionRegistry.standard.formActionIDs == ["reset-password", "card-unblock"])
        #expect(ActionRegistry.standard.fieldNames == ["password", "confirmation", "serial", "challenge"])
    }
}
