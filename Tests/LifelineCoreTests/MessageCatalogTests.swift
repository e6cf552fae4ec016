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
        let en = catalog.ids("en")
        #expect(en.count == 22)
        #expect(en.allSatisfy { $0.hasPrefix("message.") })
        for lang in ["cs", "nb"] {
            let ids = catalog.ids(lang)
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
        #expect(used.subtracting(catalog.ids("en")).isEmpty, "missing: \(used.subtracting(catalog.ids("en")).sorted())")
        // `message.action_body.<notice>` is built from the action's notice: one body per action.
        #expect(catalog.ids("en").filter { $0.hasPrefix("message.action_body.") }.count == 5)
    }

    @Test func theTextsAreTheOnesTheWebCatalogHad() {
        #expect(catalog.text("message.sms", "en", ["tenant": "Acme", "code": "12345678", "minutes": "5"])
                == "Acme: your recovery code is 12345678. It expires in 5 minutes. Never share it; we will never ask for it.")
        #expect(catalog.text("message.email_subject", "cs", ["tenant": "Acme"]) == "Acme: váš kód pro obnovu")
        #expect(catalog.text("message.no_such", "nb") == "message.no_such")
    }
}
