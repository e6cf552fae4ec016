import Foundation
import LifelineCore
import LifelineDelivery
import Testing

/// SMSGatewaySender against a real HTTP server (scripts/peers/sms_receiver.py).
@Suite struct SMSGatewaySenderTests {
    /// Text with everything that needs escaping: `&`, `=`, `+`, quotes, a backslash, a new line, non-ASCII and a
    /// literal placeholder (which must not be expanded).
    static let text = "Kód: 482 193 & \"víc\" = 1+1\\2\nnaïve ✓ {{to}}"

    func message(_ text: String = Self.text) -> OutgoingMessage {
        OutgoingMessage(id: UUID(), channel: .sms, recipient: "+420 601 234 567", subject: "", text: text)
    }

    @Test func twilioStyleFormPostWithBasicAuth() async throws {
        let peer = try await SMSPeer.start()
        defer { peer.stop() }
        let config = SMSGatewayConfiguration(
            url: "http://127.0.0.1:\(peer.port)/2010-04-01/Accounts/AC123/Messages.json",
            authentication: .basic(username: "AC123", password: "tok&en:x"), from: "+15005550006")
        try await SMSPeer.withSender(config) { try await $0.send(message()) }
        let requests = try peer.records(ReceivedRequest.self)
        try #require(requests.count == 1)
        let r = requests[0]
        #expect(r.method == "POST")
        #expect(r.path == "/2010-04-01/Accounts/AC123/Messages.json")
        #expect(r.query == "")
        #expect(r.headers["content-type"] == "application/x-www-form-urlencoded")
        #expect(r.headers["authorization"] == "Basic " + Data("AC123:tok&en:x".utf8).base64EncodedString())
        #expect(ReceivedRequest.form(r.body) == ["To": "+420 601 234 567", "From": "+15005550006", "Body": Self.text])
        // Exactly two separators: every `&` of the text is percent-encoded.
        #expect(r.body.filter { $0 == "&" }.count == 2)
        #expect(r.body.hasPrefix("Body=K%C3%B3d%3A+482+193+%26+%22v%C3%ADc%22+%3D+1%2B1%5C2%0Ana%C3%AFve+%E2%9C%93+%7B%7Bto%7D%7D&"))
    }

    @Test func jsonPostWithBearerToken() async throws {
        let peer = try await SMSPeer.start()
        defer { peer.stop() }
        let config = SMSGatewayConfiguration(
            url: "http://127.0.0.1:\(peer.port)/v1/sms", headers: ["X-Api-Version": "2"],
            authentication: .bearer(token: "bearer-token-123"), encoding: .json,
            fields: ["to": "{{to}}", "message": "{{text}}", "sender": "{{from}}", "reference": "lifeline {{from}}/{{to}} {{unknown}}"],
            from: "Lifeline")
        try await SMSPeer.withSender(config) { try await $0.send(message()) }
        let requests = try peer.records(ReceivedRequest.self)
        try #require(requests.count == 1)
        let r = requests[0]
        #expect(r.method == "POST")
        #expect(r.path == "/v1/sms")
        #expect(r.headers["content-type"] == "application/json")
        #expect(r.headers["authorization"] == "Bearer bearer-token-123")
        #expect(r.headers["x-api-version"] == "2")
        let fields = try JSONDecoder().decode([String: String].self, from: Data(r.body.utf8))
        #expect(fields == ["to": "+420 601 234 567", "message": Self.text, "sender": "Lifeline",
                           "reference": "lifeline Lifeline/+420 601 234 567 {{unknown}}"])
        #expect(r.body.contains(#"\"víc\" = 1+1\\2\n"#))
    }

    @Test func getWithFieldsInTheQuery() async throws {
        let peer = try await SMSPeer.start()
        defer { peer.stop() }
        let config = SMSGatewayConfiguration(
            url: "http://127.0.0.1:\(peer.port)/send?api=1", method: .get,
            headers: ["X-Api-Key": "k-1"], fields: ["dest": "{{to}}", "msg": "{{text}}"])
        try await SMSPeer.withSender(config) { try await $0.send(message()) }
        let requests = try peer.records(ReceivedRequest.self)
        try #require(requests.count == 1)
        let r = requests[0]
        #expect(r.method == "GET")
        #expect(r.path == "/send")
        #expect(r.body == "")
        #expect(r.headers["authorization"] == nil)
        #expect(r.headers["x-api-key"] == "k-1")
        #expect(ReceivedRequest.form(r.query) == ["api": "1", "dest": "+420 601 234 567", "msg": Self.text])
        #expect(!r.query.contains(" ") && !r.query.contains("+420"))
    }

    @Test(arguments: [(500, false), (503, false), (429, false), (408, false), (400, true), (401, true), (404, true)])
    func statusMapsToTransientOrPermanent(status: Int, permanent: Bool) async throws {
        let peer = try await SMSPeer.start(failCount: 1, failStatus: status)
        defer { peer.stop() }
        let config = SMSGatewayConfiguration(url: "http://127.0.0.1:\(peer.port)/sms")
        try await SMSPeer.withSender(config) { sender in
            let error = await #expect(throws: DeliveryError.self) { try await sender.send(message()) }
            #expect(error?.permanent == permanent)
            #expect(error?.message == "SMS gateway answered HTTP \(status)")
            // The receiver answers 200 from the second request on.
            try await sender.send(message())
        }
        #expect(try peer.records(ReceivedRequest.self).count == 2)
    }

    @Test func aClosedPortIsTransient() async throws {
        let config = SMSGatewayConfiguration(url: "http://127.0.0.1:1/sms", timeout: .seconds(2))
        try await SMSPeer.withSender(config) { sender in
            let error = await #expect(throws: DeliveryError.self) { try await sender.send(message()) }
            #expect(error?.permanent == false)
        }
    }

    @Test func unsafeConfigurationsAreRefused() {
        for url in ["http://sms.example.com/send", "https://user:pw@sms.example.com/send", "not a url", "ftp://127.0.0.1/x"] {
            #expect(throws: LifelineError.self, "\(url)") { try SMSGatewayConfiguration(url: url).validate() }
        }
        #expect(throws: LifelineError.self) {
            try SMSGatewayConfiguration(url: "https://sms.example.com", fields: ["to": "{{to}}"]).validate()
        }
        #expect(throws: LifelineError.self) {
            try SMSGatewayConfiguration(url: "https://sms.example.com", headers: ["X-Evil": "a\r\nHost: b"]).validate()
        }
        #expect(throws: Never.self) { try SMSGatewayConfiguration(url: "https://api.twilio.com/x").validate() }
    }
}
