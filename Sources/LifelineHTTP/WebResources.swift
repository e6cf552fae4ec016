import Foundation
import LifelineCore

/// The files bundled with the HTTP layer: string catalogs (`i18n/*.json`), templates and static assets.
public enum WebResources {
    /// The folder of a bundled resource directory.
    static func url(_ name: String) -> URL? { Bundle.module.url(forResource: name, withExtension: nil) }

    /// Loads every `i18n/<lang>.json` catalog, merged with the `i18n/<part>/<lang>.json` of each part (the console's
    /// strings live in parts of their own). Throws when a catalog is missing or malformed, or when two files define
    /// the same string (a packaging bug).
    public static func catalog() throws -> Catalog {
        guard let dir = url("i18n") else { throw LifelineError(.configuration, "the i18n resources are missing") }
        var texts: [String: [String: String]] = [:]
        let fm = FileManager.default
        var folders = [dir]
        for entry in try fm.contentsOfDirectory(atPath: dir.path).sorted() {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: dir.appendingPathComponent(entry).path, isDirectory: &isDir), isDir.boolValue {
                folders.append(dir.appendingPathComponent(entry))
            }
        }
        for folder in folders {
            for file in try fm.contentsOfDirectory(atPath: folder.path).sorted() where file.hasSuffix(".json") {
                let data = try Data(contentsOf: folder.appendingPathComponent(file))
                guard let table = try? JSONDecoder().decode([String: String].self, from: data) else {
                    throw LifelineError(.configuration, "the catalog \(file) is not a JSON object of strings")
                }
                let lang = String(file.dropLast(5))
                for (id, text) in table {
                    guard texts[lang]?[id] == nil else { throw LifelineError(.configuration, "the string \(id) is defined twice in the \(lang) catalogs") }
                    texts[lang, default: [:]][id] = text
                }
            }
        }
        guard texts["en"] != nil else { throw LifelineError(.configuration, "the English catalog is missing") }
        return Catalog(texts: texts)
    }
}
