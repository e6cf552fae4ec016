import Testing
@testable import LifelineAuthenticatorKit

@Suite struct AuthenticatorCodeRoundTripTests {
    let orgKey = Array(repeating: UInt8(0x11), count: 32)

    @Test func unblockCodeOpensToThePIN() {
        for pin in ["4711", "0000", "987654", "12345678"] {
            let code = AuthenticatorCode.unblockCode(orgKey: orgKey, organization: "org", ubc: "12345678", newPIN: pin, step: 99)!
            #expect(code.count == pin.count + 5)
            #expect(AuthenticatorCode.openUnblockCode(code, orgKey: orgKey, organization: "org", ubc: "12345678", step: 99) == pin)
            // Another step, UBC or organization does not open it.
            #expect(AuthenticatorCode.openUnblockCode(code, orgKey: orgKey, organization: "org", ubc: "12345678", step: 100) == nil)
            #expect(AuthenticatorCode.openUnblockCode(code, orgKey: orgKey, organization: "org", ubc: "12345679", step: 99) == nil)
            #expect(AuthenticatorCode.openUnblockCode(code, orgKey: orgKey, organization: "org2", ubc: "12345678", step: 99) == nil)
        }
    }

    @Test func weakPINsAreRefused() {
        for pin in ["0000", "1234", "4321", "1212", "9876", "2580", "123456", "111111"] { #expect(AuthenticatorPIN.isWeak(pin), "\(pin)") }
        for pin in ["4711", "3852", "190473"] { #expect(!AuthenticatorPIN.isWeak(pin), "\(pin)") }
    }

    @Test func activationURIRoundTrips() {
        let uri = ActivationURI(server: "https://id.example.org:8443", tenant: "acme & co", username: "ada+1", code: "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        #expect(uri.text.hasPrefix("lifeline://activate?"))
        #expect(ActivationURI(uri.text) == uri)
        #expect(ActivationURI("https://activate?v=1") == nil)
    }
}
