import Foundation
import LifelineCore
import LifelineHTTP
import Testing

/// The source folder of the web templates and code (read by the tests, not by the server).
private let httpSources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Sources/LifelineHTTP")

private func placeholders(_ text: String) -> Set<String> { Set(text.matches(of: /\{([a-z_]+)\}/).map { String($0.1) }) }

@Suite("String catalogs")
struct CatalogTests {
    @Test("en, cs and nb have the same keys, and every placeholder of en in each translation")
    func sameKeysAndPlaceholders() throws {
        let catalog = try WebResources.catalog()
        #expect(catalog.languages == ["en", "cs", "nb"])
        let en = catalog.ids("en")
        #expect(en.count > 80)
        for lang in ["cs", "nb"] {
            let ids = catalog.ids(lang)
            #expect(en.subtracting(ids).isEmpty, "\(lang) lacks \(en.subtracting(ids).sorted())")
            #expect(ids.subtracting(en).isEmpty, "\(lang) has extra \(ids.subtracting(en).sorted())")
            for id in en.sorted() {
                let want = placeholders(catalog.text(id, "en")), have = placeholders(catalog.text(id, lang))
                #expect(want == have, "\(lang) \(id): placeholders \(have.sorted()) instead of \(want.sorted())")
                #expect(!catalog.text(id, lang).trimmingCharacters(in: .whitespaces).isEmpty, "\(lang) \(id) is empty")
            }
            // Translated, not copied: only names and symbols may stay the same.
            let same = en.filter { catalog.text($0, lang) == catalog.text($0, "en") && !["web.organization"].contains($0) }
            #expect(same.count <= 3, "\(lang) keeps English for \(same.sorted())")
        }
    }

    @Test("Every string the templates and the web code use exists in the catalog")
    func everyUsedKeyExists() throws {
        let catalog = try WebResources.catalog()
        let en = catalog.ids("en")
        let templates = httpSources.appendingPathComponent("Templates")
        var used: Set<String> = []
        for file in try FileManager.default.contentsOfDirectory(atPath: templates.path) where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: templates.appendingPathComponent(file), encoding: .utf8)
            // Console templates see the console strings as t.* (ConsoleRenderer), the others the web strings.
            let prefix = file.hasPrefix("console_") ? "console." : "web."
            used.formUnion(text.matches(of: /\{\{t\.([a-z_]+)\}\}/).map { prefix + $0.1 })
        }
        let web = httpSources.appendingPathComponent("Web")
        for file in try FileManager.default.contentsOfDirectory(atPath: web.path) where file.hasSuffix(".swift") {
            let text = try String(contentsOf: web.appendingPathComponent(file), encoding: .utf8)
            used.formUnion(text.matches(of: /renderer\.text\("([a-z_]+)"/).map { "web." + $0.1 })
            used.formUnion(text.matches(of: /message\("([a-z]+)"/).flatMap { ["web.\($0.1)_title"] })
        }
        for state in ["choose_flow", "choose_contact", "enter_code", "answer_questions", "enter_totp", "resync_totp", "verified", "failed"] {
            used.insert("web.title_\(state)")
        }
        #expect(used.count > 20)
        #expect(used.subtracting(en).isEmpty, "missing in en.json: \(used.subtracting(en).sorted())")
    }

    @Test("No visible text is hard-coded in a template")
    func templatesHaveNoText() throws {
        let templates = httpSources.appendingPathComponent("Templates")
        for file in try FileManager.default.contentsOfDirectory(atPath: templates.path) where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: templates.appendingPathComponent(file), encoding: .utf8)
            let stripped = text.replacing(/\{\{[^}]*\}\}/, with: "").replacing(/<[^>]*>/, with: "")
            let words = stripped.split(whereSeparator: { !$0.isLetter })
            #expect(words.isEmpty, "\(file) has text \(words.prefix(5))")
        }
    }
}
