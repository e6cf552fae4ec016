import Foundation
import LifelineAuthenticatorKit
import LifelineCore
import LifelineTestStore
import Testing

@Suite("Offline emergency access tokencodes")
struct OfflineEmergencyCodeTests {
    /// Authenticates alice through a new agent (so that her token gets codes) and returns the data.
    func download(_ t: OfflineHarness, pin: String = "") async throws -> OfflineData {
        let (_, agent) = try await t.agent()
        return try #require(try await t.authenticate(agent, pin + t.h.totp()).offline)
    }

    static func canonical(_ grouped: String?) -> String { grouped?.replacingOccurrences(of: "-", with: "") ?? "" }

    @Test func madeAtTheFirstDownloadAndCarriedAsVerifiers() async throws {
        let t = try OfflineHarness()
        let tokenID = try await t.seed()
        #expect(try await t.service.emergencyCodes(tenantName: "demo", tokenID: tokenID, caller: t.op()).tokencode == nil)
        let data = try await download(t)
        let view = try await t.service.emergencyCodes(tenantName: "demo", tokenID: tokenID, caller: t.op())
        #expect(view.downloaded && view.permitted && !view.onlineUse && !view.needsPIN)
        let tokencode = Self.canonical(view.tokencode), passcode = Self.canonical(view.passcode)
        #expect(tokencode.count == 16 && passcode.count == 16 && tokencode != passcode)
        let emergency = try #require(data.emergency)
        let salt = Array(Data(base64Encoded: data.salt)!)
        #expect(emergency.tokencode == Data(OfflineConstruction.emergencyVerifier(salt: salt, kind: "tokencode", input: tokencode)).base64EncodedString())
        #expect(emergency.passcode == Data(OfflineConstruction.emergencyVerifier(salt: salt, kind: "passcode", input: passcode)).base64EncodedString())
        #expect(t.trail().contains("offline_code.view success"))
        // An auditor sees no codes at all.
        await #expect(throws: LifelineError.self) { _ = try await t.service.emergencyCodes(tenantName: "demo", tokenID: tokenID, caller: t.op(.auditor)) }
    }

    @Test func aResetMakesNewCodesNotYetDownloadedAndNotifiesTheUser() async throws {
        let t = try OfflineHarness()
        let tokenID = try await t.seed()
        _ = try await download(t)
        let before = try await t.service.emergencyCodes(tenantName: "demo", tokenID: tokenID, caller: t.op())
        let sent = t.h.store.outboxMessages().count
        let after = try await t.service.resetEmergencyCodes(tenantName: "demo", tokenID: tokenID, caller: t.op())
        #expect(after.tokencode != before.tokencode && after.passcode != before.passcode)
        #expect(!after.downloaded)
        #expect(t.h.store.outboxMessages().count > sent)
        #expect(t.trail().contains("offline_code.reset success"))
        // Another tenant's operator does not reach the token.
        let other = Principal(.operator(name: "olga"), roles: [.helpdesk], tenantID: UUID())
        await #expect(throws: LifelineError.self) { _ = try await t.service.resetEmergencyCodes(tenantName: "demo", tokenID: tokenID, caller: other) }
    }

    @Test func onlineUseOffRefusesThemAndOnAcceptsEachKind() async throws {
        let t = try OfflineHarness()
        let tokenID = try await t.seed()
        _ = try await download(t)
        let view = try await t.service.emergencyCodes(tenantName: "demo", tokenID: tokenID, caller: t.op())
        let tokencode = try #require(view.tokencode), passcode = try #require(view.passcode)
        func validate(_ code: String, pin: String? = nil) async throws -> Bool {
            try await t.h.validation.validate(tenantName: "demo", username: "alice", code: code, pin: pin, caller: t.validator)
        }
        #expect(try await !validate(tokencode))
        #expect(try await !validate(passcode))
        let on = try await t.service.setEmergencyOnlineUse(tenantName: "demo", tokenID: tokenID, on: true, caller: t.op())
        #expect(on.onlineUse)
        #expect(try await validate(tokencode))
        #expect(try await validate(passcode.lowercased()))
        // Not single-use: a temporary replacement for days.
        #expect(try await validate(Self.canonical(tokencode)))
        #expect(t.trail().contains("offline_code.online success"))
        _ = try await t.service.setEmergencyOnlineUse(tenantName: "demo", tokenID: tokenID, on: false, caller: t.op())
        #expect(try await !validate(tokencode))
    }

    @Test func aTokenWithAPINNeedsItBeforeTheTokencodeKind() async throws {
        let t = try OfflineHarness()
        let tokenID = try await t.seed()
        _ = try await t.h.admin.setTokenPIN(tenantName: "demo", id: tokenID, pin: "3817", caller: .cli)
        let data = try await download(t, pin: "3817")
        let view = try await t.service.setEmergencyOnlineUse(tenantName: "demo", tokenID: tokenID, on: true, caller: t.op())
        #expect(view.needsPIN)
        let tokencode = Self.canonical(view.tokencode), passcode = Self.canonical(view.passcode)
        let salt = Array(Data(base64Encoded: data.salt)!)
        #expect(data.emergency?.tokencode == Data(OfflineConstruction.emergencyVerifier(salt: salt, kind: "tokencode", input: "3817" + tokencode)).base64EncodedString())
        func validate(_ code: String, pin: String? = nil) async throws -> Bool {
            try await t.h.validation.validate(tenantName: "demo", username: "alice", code: code, pin: pin, caller: t.validator)
        }
        #expect(try await !validate(tokencode))
        #expect(try await validate("3817" + tokencode))
        #expect(try await validate(tokencode, pin: "3817"))
        #expect(try await validate(passcode))
        // A wrong PIN before the right code counts on the PIN.
        #expect(try await !validate("3818" + tokencode))
        #expect(try await t.h.token(tokenID).pinFailCount == 1)
    }

    @Test func wrongOnesCountAndSwitchOnlineUseOffAtTen() async throws {
        let t = try OfflineHarness()
        let tokenID = try await t.seed()
        _ = try await download(t)
        let view = try await t.service.setEmergencyOnlineUse(tenantName: "demo", tokenID: tokenID, on: true, caller: t.op())
        let right = Self.canonical(view.passcode)
        let wrong = right == "2222222222222222" ? "3333333333333333" : "2222222222222222"
        for _ in 0..<9 {
            #expect(try await !t.h.validation.validate(tenantName: "demo", username: "alice", code: wrong, caller: t.validator))
        }
        #expect(try await t.service.emergencyCodes(tenantName: "demo", tokenID: tokenID, caller: t.op()).onlineUse)
        #expect(try await !t.h.validation.validate(tenantName: "demo", username: "alice", code: wrong.lowercased().replacingOccurrences(of: "2", with: "A"), caller: t.validator))
        #expect(try await !t.service.emergencyCodes(tenantName: "demo", tokenID: tokenID, caller: t.op()).onlineUse)
        #expect(try await !t.h.validation.validate(tenantName: "demo", username: "alice", code: right, caller: t.validator))
    }
}
