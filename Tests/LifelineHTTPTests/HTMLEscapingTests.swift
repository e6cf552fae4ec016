import Foundation
import Hummingbird
import HummingbirdTesting
@testable import LifelineHTTP
import Testing

/// Issue 13 item 8: escaping that a combining mark cannot defeat. Swift's `Character` is a grapheme cluster, so
/// `"` followed by U+0301 is one Character that is not equal to `"`; an escaper that walks Characters leaves the
/// quote raw and lets a value close an attribute.
@Suite("HTML escaping by Unicode scalar")
struct HTMLEscapingTests {
    /// The five characters that must never reach a page raw, each followed by marks that join its grapheme.
    static let specials: [Unicode.Scalar] = ["\"", "'", "<", ">", "&"]
    static let marks: [String] = ["\u{301}", "\u{20DD}", "\u{301}\u{302}\u{303}", "\u{200D}", "\u{FE0F}"]

    /// True when `text` holds one of the five specials as a raw scalar, outside the five entities.
    static func hasRawSpecial(_ text: String) -> Bool {
        // By scalar here too: String's own search works on Characters, and `;` + U+0301 is one Character.
        let scalars = Array(text.unicodeScalars)
        let entities = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].map { Array($0.unicodeScalars) }
        var i = 0
        while i < scalars.count {
            if scalars[i] == "&", let entity = entities.first(where: { Array(scalars[i...].prefix($0.count)) == $0 }) {
                i += entity.count
                continue
            }
            if specials.contains(scalars[i]) { return true }
            i += 1
        }
        return false
    }

    @Test("Each special followed by combining marks is escaped, and the marks are kept")
    func escaperHandlesCombiningMarks() {
        for special in Self.specials {
            for mark in Self.marks {
                let value = "a" + String(special) + mark + " autofocus x="
                let escaped = HTMLEscaping.escape(value)
                #expect(!Self.hasRawSpecial(escaped), "\(value.debugDescription) → \(escaped.debugDescription)")
                #expect(escaped.unicodeScalars.contains(mark.unicodeScalars.first!), "the mark is kept")
            }
        }
        #expect(HTMLEscaping.escape("plain text, é ü") == "plain text, é ü")
        #expect(HTMLEscaping.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }

    @Test("The mustache content type every template uses escapes by scalar")
    func contentType() {
        #expect(!Self.hasRawSpecial(ScalarHTMLContentType().escapeText("\"\u{301}'\u{301}<\u{301}>\u{301}&\u{301}")))
    }

    @Test("GET /recover?tenant= with a quote and a combining mark injects no attribute (the issue's exploit)")
    func startPageExploit() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                for special in ["%22", "%27", "%3C", "%3E", "%26"] {
                    let r = try await b.get("/recover?tenant=\(special)%CC%81%20autofocus%20x%3D")
                    let page = html(r)
                    // The page's own markup has quotes; the typed value must appear only escaped.
                    #expect(!page.unicodeScalars.split(separator: "\u{301}").dropLast().contains { $0.last.map(Self.specials.contains) ?? false },
                            "a raw special before U+0301 for \(special)")
                    #expect(page.contains("\u{301} autofocus x="), "the value is shown (escaped) for \(special)")
                }
            }
        }
    }

    @Test("A username with a quote and a combining mark is shown escaped on the flow page")
    func flowPageUsername() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                let start = try await b.get("/recover?tenant=demo")
                let name = "m\"\u{301}x"
                let flow = try await b.submit(start, action: "/recover", ["tenant": "demo", "username": name])
                let page = html(try await b.get(flow.headers[.location] ?? "/recover/flow"))
                #expect(page.contains("m&quot;\u{301}x"), "the username is shown escaped")
                #expect(!page.unicodeScalars.split(separator: "\u{301}").dropLast().contains { $0.last.map(Self.specials.contains) ?? false })
            }
        }
    }

    @Test("The development outbox page escapes by scalar too")
    func devOutboxEscaping() {
        #expect(!Self.hasRawSpecial(HTMLEscaping.escape("<\u{301}script>\"\u{301}")))
    }
}
