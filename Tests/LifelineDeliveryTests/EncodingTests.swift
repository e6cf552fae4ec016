import Foundation
import LifelineCore
@testable import LifelineDelivery
import Testing

/// Unit checks of the pieces below the protocols: MIME encoding, dot-stuffing, templates, configuration rules.
@Suite struct EncodingTests {
    @Test func quotedPrintableKeepsLinesShortAndEncodesWhatItMust() {
        let encoded = QuotedPrintable.encode("a=b \t\nžluť " + String(repeating: "x", count: 100))
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines[0] == "a=3Db =09")                    // "=" and trailing white space encoded
        #expect(lines[1].hasPrefix("=C5=BElu=C5=A5 xxx") && lines[1].hasSuffix("="))
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(encoded.hasSuffix("\r\n"))
    }

    @Test func encodedWordsNeverSplitACharacterAndStayShort() throws {
        let subject = String(repeating: "Obnovení přístupu – kód 🔑 ", count: 5)
        let header = MIMEMessage.unstructuredHeader("Subject", subject)
        let lines = header.components(separatedBy: "\r\n")
        #expect(lines.count > 1)
        var decoded = ""
        for (i, line) in lines.enumerated() {
            #expect(line.utf8.count <= 78)
            let word = i == 0 ? String(line.dropFirst("Subject: ".count)) : String(line.dropFirst())
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let b64 = word.dropFirst(10).dropLast(2)
            let bytes = try #require(Data(base64Encoded: String(b64)))
            decoded += try #require(String(data: bytes, encoding: .utf8), "word \(i) splits a character")
        }
        #expect(decoded == subject)
        #expect(MIMEMessage.unstructuredHeader("Subject", "Your code") == "Subject: Your code")
        #expect(MIMEMessage.unstructuredHeader("Subject", "a\r\nBcc: x@y.z") == "Subject: a  Bcc: x@y.z")
    }

    @Test func dotStuffing() {
        #expect(DotStuffing.apply(".a\r\nb\r\n.\r\n..c\r\n") == "..a\r\nb\r\n..\r\n...c\r\n.\r\n")
        #expect(DotStuffing.apply("x") == "x\r\n.\r\n")
    }

    @Test func templatesAreFilledInOnePass() {
        let values = ["to": "+1", "text": "{{to}} {{from}}", "from": "L"]
        #expect(SMSTemplate.fill("{{text}}|{{to}}|{{from}}|{{x}}|{{", values: values) == "{{to}} {{from}}|+1|L|{{x}}|{{")
        #expect(SMSTemplate.jsonString("a\"b\\c\nd\u{1}é") == #""a\"b\\c\nd\u0001é""#)
        #expect(SMSTemplate.formEncode([("a b", "x&y=z+ü")], spaceAsPlus: true) == "a+b=x%26y%3Dz%2B%C3%BC")
        #expect(SMSTemplate.formEncode([("q", "a b")], spaceAsPlus: false) == "q=a%20b")
    }

    @Test func smtpConfigurationRules() {
        func config(host: String = "smtp.example.com", security: SMTPConfiguration.Security = .startTLS,
                    user: String? = nil, password: String? = nil, from: String = "noreply@example.com") -> SMTPConfiguration {
            SMTPConfiguration(host: host, security: security, username: user, password: password, fromAddress: from)
        }
        #expect(throws: LifelineError.self) { try config(security: .none).validate() }     // clear text off-host
        #expect(throws: Never.self) { try config(host: "127.0.0.1", security: .none).validate() }
        #expect(throws: Never.self) { try config(host: "localhost", security: .none).validate() }
        #expect(throws: LifelineError.self) { try config(user: "u").validate() }
        #expect(throws: LifelineError.self) { try config(user: "u", password: "p\r\nRSET").validate() }
        #expect(throws: LifelineError.self) { try config(from: "Lifeline <a@b.c>").validate() }
        #expect(throws: Never.self) { try config(user: "u", password: "p").validate() }
        #expect(config().effectivePort == 587)
        #expect(config(security: .tls).effectivePort == 465)
        #expect(throws: LifelineError.self) {
            try SMTPConfiguration(host: "localhost", caFilePath: "/nonexistent/ca.pem", fromAddress: "a@b.c")
                .validate()
            _ = try SMTPSender(configuration: SMTPConfiguration(host: "localhost", caFilePath: "/nonexistent/ca.pem",
                                                                fromAddress: "a@b.c"), clock: WallClock())
        }
    }

    @Test func rfc5322Date() {
        #expect(MIMEMessage.rfc5322Date(Date(timeIntervalSince1970: 1_736_848_800)) == "Tue, 14 Jan 2025 10:00:00 +0000")
        #expect(MIMEMessage.rfc5322Date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
    }
}
