import Foundation
import LifelineCore
import Testing

/// Flows in flight across the upgrade to method plug-ins are read as they were stored: the old `StepState` wrote every
/// method's fields flat in one object, and each method's state now reads its own fields from it.
@Suite("Stored step form")
struct StoredStepFormTests {
    /// A step as the version before plug-ins stored it (every key of the old struct, dates in milliseconds).
    static func old(type: String, decoy: Bool = false) -> String {
        #"{"methodID":"m","type":"\#(type)","decoy":\#(decoy),"contacts":["+420777123789","+420602111222"],"chosenContact":1,"#
            + #""codeDigest":"abab","codeExpiresAt":1700000300000,"lastSentAt":1700000000000,"sends":2,"questionIDs":["q1","q2"],"wrong":3}"#
    }

    static func decode(_ text: String) throws -> StepState {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return try d.decode(StepState.self, from: Data(text.utf8))
    }

    @Test func anOldSMSStepReadsItsCodeState() throws {
        let s = try Self.decode(Self.old(type: "sms"))
        #expect(s.type == .sms && s.methodID == "m" && s.wrong == 3 && !s.decoy)
        let code = try #require(s.contactCode)
        #expect(code.contacts == ["+420777123789", "+420602111222"])
        #expect(code.chosenContact == 1 && code.codeDigest == "abab" && code.sends == 2)
        #expect(code.codeExpiresAt == Date(timeIntervalSince1970: 1_700_000_300))
        #expect(code.lastSentAt == Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test func anOldQuestionsStepReadsItsQuestions() throws {
        let s = try Self.decode(Self.old(type: "questions", decoy: true))
        #expect(s.type == .questions && s.decoy)
        #expect(s.questions?.questionIDs == ["q1", "q2"])
        #expect(s.contactCode == nil)
    }

    @Test func anOldTOTPStepReads() throws {
        let s = try Self.decode(Self.old(type: "totp"))
        #expect(s.type == .totp && s.wrong == 3)
        #expect(s.state as? NoState == NoState())
    }

    @Test func anUnknownTypeIsRefused() {
        #expect(throws: DecodingError.self) { try Self.decode(Self.old(type: "voice")) }
    }
}
