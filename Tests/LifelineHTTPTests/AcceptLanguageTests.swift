import LifelineCore
@testable import LifelineHTTP
import Testing

/// `Accept-Language`, parsed in the HTTP layer against the core's catalog (moved from the core's catalog tests).
@Suite("Accept-Language")
struct AcceptLanguageTests {
    static let catalog = Catalog(texts: [
        "en": ["hello": "Hello, {name}!"],
        "cs": ["hello": "Ahoj, {name}!"],
        "nb": ["hello": "Hei, {name}!"],
        "de": ["hello": "Hallo, {name}!"],
    ])

    @Test(arguments: [
        ("cs;q=0.5, nb;q=0.9", "nb"),
        ("nb;q=0.5, cs;q=0.9", "cs"),
        ("fr, cs;q=0.8", "cs"),            // unsupported first choice is skipped
        ("en;q=0.9, cs;q=0.8", "en"),
        ("cs;q=0.8, en;q=0.9", "en"),
        ("en-US,en;q=0.9,cs;q=0.95", "en"),
        ("nb-NO,nb;q=0.9,en;q=0.8", "nb"),
        ("no, en;q=0.5", "nb"),
        ("cs, nb", "cs"),                  // equal q: the first one
        ("fr, it", "en"),
        ("*", "en"),
        ("*, cs;q=0.1", "cs"),
        ("", "en"),
        ("CS-cz ; q=0.7 , de ; q=0.6", "cs"),
        ("de;q=1.0, cs;q=0.999", "de"),
    ])
    func negotiate(header: String, expected: String) {
        #expect(AcceptLanguage.negotiate(header, catalog: Self.catalog) == expected)
    }

    @Test func negotiateWithoutHeader() {
        #expect(AcceptLanguage.negotiate(nil, catalog: Self.catalog) == "en")
    }

    /// RFC 9110 §12.4.2: a q-value of 0 means "not acceptable".
    @Test(arguments: [("cs;q=0", "en"), ("cs;q=0, nb;q=0.1", "nb"), ("de;q=0.000, cs;q=0.3", "cs")])
    func qualityZeroIsNotAcceptable(header: String, expected: String) {
        #expect(AcceptLanguage.negotiate(header, catalog: Self.catalog) == expected)
    }

    @Test func theLanguageCookieWinsWhenItIsOurs() {
        #expect(WebSession.language(cookie: "nb", acceptLanguage: "cs", catalog: Self.catalog) == "nb")
        #expect(WebSession.language(cookie: "fr", acceptLanguage: "cs", catalog: Self.catalog) == "cs")
        #expect(WebSession.language(cookie: nil, acceptLanguage: nil, catalog: Self.catalog) == "en")
    }
}
