import Foundation
import LifelineCore

/// The files bundled with the HTTP layer: string catalogs (`i18n/*.json`), templates and static assets.
public enum WebResources {
    /// The folder of a bundled resource directory.
    static func url(_ name: String) -> URL? { Bundle.module.url(forResource: name, withExtension: nil) }

    /// Loads every `i18n/<lang>.json` catalog. Throws when a catalog is missing or malformed (a packaging bug).
    public static func catalog() throws -> Catalog {
        guard let dir = url("i18n") else { throw LifelineError(.configuration, "the i18n resources are missing") }
        var texts: [String: [String: String]] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file.hasSuffix(".json") {
            let data = try Data(contentsOf: dir.appendingPathComponent(file))
            guard let table = try? JSONDecoder().decode([String: String].self, from: data) else {
                throw LifelineError(.configuration, "the catalog \(file) is not a JSON object of strings")
            }
            texts[String(file.dropLast(5))] = table
        }
        guard texts["en"] != nil else { throw LifelineError(.configuration, "the English catalog is missing") }
        return Catalog(texts: texts)
    }
}
