import LifelineCore
import Testing

/// The assurance table of issue 13 item 11 (docs/security.md has the same table).
@Suite("Action assurance")
struct ActionAssuranceTests {
    @Test func eachActionDeclaresItsAssurance() {
        #expect(RecoveryActionID.selfservice.assurance == .any)
        #expect(RecoveryActionID.unlockAccount.assurance == .any)
        #expect(RecoveryActionID.resetPassword.assurance == .possession)
        #expect(RecoveryActionID.cardUnblock.assurance == .possession)
        #expect(RecoveryActionID.emergencyCode.assurance == .twoFactors)
        #expect(ActionAssurance.required(for: "unlock-authenticator") == .twoFactors)
        // An action nobody placed in the table needs the most.
        #expect(ActionAssurance.required(for: "new-recovery-codes") == .twoFactors)
    }

    @Test func questionsAndRepeatsAreNoFactor() {
        #expect(ActionAssurance.reached(by: [.questions, .questions]) == .any)
        #expect(ActionAssurance.reached(by: [.sms, .questions]) == .possession)
        #expect(ActionAssurance.reached(by: [.sms, .sms]) == .possession)
        #expect(ActionAssurance.reached(by: [.sms, .email]) == .twoFactors)
        #expect(ActionAssurance.reached(by: [.email, .totp]) == .twoFactors)
        #expect(ActionAssurance.any < .possession && ActionAssurance.possession < .twoFactors)
    }
}
