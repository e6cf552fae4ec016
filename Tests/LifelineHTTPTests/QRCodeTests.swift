import Foundation
@testable import LifelineHTTP
import Testing

/// The enrolment page's QR code against the published worked example ("HELLO WORLD", version 1-M) and the format-bit
/// table of ISO/IEC 18004; the browser test (scripts/browser/test_console_login.py) decodes a drawn code with zbarimg.
@Suite("QR code")
struct QRCodeTests {
    @Test("Reed-Solomon codewords of the 1-M example")
    func reedSolomon() {
        let data: [UInt8] = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]
        #expect(ReedSolomon.remainder(data, degree: 10) == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23])
    }

    @Test("format bits of level M, mask 0 (101010000010010), in both copies")
    func formatBits() {
        var q = QRCanvas(version: 1)
        q.drawFormatBits(0)
        let expected = "101010000010010".map { $0 == "1" }
        // Bit i of the 15 is the (14 − i)-th character; the first copy runs down column 8 (rows 0–5, 7, 8), then along row 8.
        let firstCopy = (0...5).map { q.modules[$0][8] } + [q.modules[7][8], q.modules[8][8], q.modules[8][7]] + (9..<15).map { q.modules[8][14 - $0] }
        #expect(firstCopy == Array(expected.reversed()))
        #expect(q.modules[q.size - 8][8], "the dark module")
    }

    @Test("sizes by length: version 1 for a short text, 6-10 for otpauth URIs; nil past 213 bytes; SVG without script or style")
    func sizes() throws {
        #expect(QRMatrix.encode(Array("HELLO".utf8))?.count == 21)
        let uri = "otpauth://totp/Lifeline%20console:helpdesk?secret=HELPDESKDEMOCONSOLETOTPSECRET234&issuer=Lifeline%20console&algorithm=SHA1&digits=6&period=30"
        let matrix = try #require(QRMatrix.encode(Array(uri.utf8)))
        #expect((41...57).contains(matrix.count))
        #expect(QRMatrix.encode(Array(repeating: 0x41, count: 213)) != nil)
        #expect(QRMatrix.encode(Array(repeating: 0x41, count: 214)) == nil)
        let svg = try #require(QRCodeSVG.svg(uri, label: "a \"label\""))
        #expect(svg.hasPrefix("<svg ") && svg.contains("aria-label=\"a &quot;label&quot;\"") && !svg.contains("style") && !svg.contains("<script"))
    }
}
