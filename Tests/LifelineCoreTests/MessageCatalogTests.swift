import Foundation
import LifelineCore
import Testing

/// The source folders of the core's services and recovery actions (read by this test, not by the server).
private let coreSources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Sources/LifelineCore")
private let serviceSources = ["Services", "Actions"].map { coreSources.appendingPathComponent($0) }

private func placeholders(_ text: String) -> Set<String> { Set(text.matches(of: /\{([a-z_]+)\}/).map { String($0.1) }) }

/// The SMS and email texts, which the core owns (they moved out of the HTTP layer's web catalog).
@Suite("Message catalog")
struct MessageCatalogTests {
    let catalog = MessageCatalog.catalog

    @Test func enCsAndNbHaveTheSameMessagesAndPlaceholders() {
        #expect(catalog.languages == ["en", "cs", "nb"])
        // Plural messages (`id#category`) have each language's CLDR categories; the rest the same ids everywhere.
        for lang in ["en", "cs", "nb"] {
            var forms: [String: Set<String>] = [:]
            for id in catalog.ids(lang) where id.contains("#") {
                let parts = id.split(separator: "#").map(String.init)
                forms[parts[0], default: []].insert(parts[1])
            }
            #expect(forms.count == 6, "\(lang): \(forms.keys.sorted())")
            for (base, categories) in forms { #expect(categories == Set(PluralRules.categories(lang)), "\(lang) \(base): \(categories.sorted())") }
        }
        let en = catalog.ids("en").filter { !$0.contains("#") }.union(catalog.ids("en").filter { $0.hasSuffix("#other") })
        #expect(en.count == 22)
        #expect(en.allSatisfy { $0.hasPrefix("message.") })
        for lang in ["cs", "nb"] {
            let ids = catalog.ids(lang).filter { !$0.contains("#") || $0.hasSuffix("#other") }
            #expect(ids == en, "\(lang): lacks \(en.subtracting(ids).sorted()), extra \(ids.subtracting(en).sorted())")
            for id in en.sorted() {
                #expect(placeholders(catalog.text(id, lang)) == placeholders(catalog.text(id, "en")), "\(lang) \(id)")
                #expect(!catalog.text(id, lang).trimmingCharacters(in: .whitespaces).isEmpty, "\(lang) \(id) is empty")
                #expect(catalog.text(id, lang) != catalog.text(id, "en"), "\(lang) keeps English for \(id)")
            }
        }
    }

    @Test func everyMessageTheServicesSendExists() throws {
        var used: Set<String> = []
        for folder in serviceSources {
            for case let file as String in FileManager.default.enumerator(atPath: folder.path)?.allObjects ?? [] where file.hasSuffix(".swift") {
                let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                used.formUnion(text.matches(of: /"(message\.[a-z_.]+[a-z_])"/).map { String($0.1) })
            }
        }
        #expect(used.count >= 10, "found \(used.sorted())")
        let known = Set(catalog.ids("en").map { String($0.split(separator: "#")[0]) })
        #expect(used.subtracting(known).isEmpty, "missing: \(used.subtracting(known).sorted())")
        // `message.action_body.<notice>` is built from the action's notice: one body per action.
        #expect(catalog.ids("en").filter { $0.hasPrefix("message.action_body.") }.count == 5)
    }

    @Test func pluralsFollowCLDR() {
        #expect(catalog.plural("message.recovery_codes_used_body", "en", count: 1, ["remaining": "1"]).contains("1 code remains."))
        #expect(catalog.plural("message.recovery_codes_used_body", "en", count: 3, ["remaining": "3"]).contains("3 codes remain."))
        #expect(catalog.plural("message.recovery_codes_used_body", "cs", count: 3, ["remaining": "3"]).contains("Zbývají 3 kódy."))
        #expect(catalog.plural("message.recovery_codes_used_body", "cs", count: 7, ["remaining": "7"]).contains("Zbývá 7 kódů."))
        #expect(catalog.plural("message.sms", "nb", count: 1, ["minutes": "1"]).contains("1 minutt."))
        #expect([0, 1, 2, 4, 5, 11, 21, 22].map { PluralRules.category($0, language: "cs") } == ["other", "one", "few", "few", "other", "other", "other", "other"])
        #expect([0, 1, 2, 21].map { PluralRules.category($0, language: "nb") } == ["other", "one", "other", "other"])
    }

    @Test func theTextsAreTheOnesTheWebCatalogHad() {
        #expect(catalog.plural("message.sms", "en", count: 5, ["tenant": "Acme", "code": "12345678", "minutes": "5"])
                == "Acme: your recovery code is 12345678. It expires in 5 minutes. Never share it; we will never ask for it.")
        #expect(catalog.text("message.email_subject", "cs", ["tenant": "Acme"]) == "Acme: váš kód pro obnovu")
        #expect(catalog.text("message.no_such", "nb") == "message.no_such")
    }
}
