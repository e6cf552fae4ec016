import Foundation

/// Translated texts: per language, message id → text with `{name}` placeholders. Pure: the composition root
/// loads the catalogs (files) and hands them in.
public struct Catalog: Sendable {
    /// Languages with a catalog, in menu order.
    public let languages: [String]
    private let texts: [String: [String: String]]

    /// `texts` maps a language to its messages; `en` must exist (it is the fallback).
    public init(texts: [String: [String: String]], order: [String] = ["en", "cs", "nb"]) {
        self.texts = texts
        self.languages = order.filter { texts[$0] != nil } + texts.keys.filter { !order.contains($0) }.sorted()
    }

    /// The best supported language for a requested tag (`nb-NO` → `nb`; `no` → `nb`), else `en`.
    public func resolve(_ tag: String?) -> String {
        guard let tag = tag?.lowercased(), !tag.isEmpty else { return "en" }
        let primary = String(tag.split(separator: "-").first ?? "")
        if texts[primary] != nil { return primary }
        if primary == "no" || primary == "nn", texts["nb"] != nil { return "nb" }
        return "en"
    }

    /// The text of `id` in `language` (falling back to English, then to the id itself) with `args` filled in.
    public func text(_ id: String, _ language: String, _ args: [String: String] = [:]) -> String {
        var s = texts[language]?[id] ?? texts["en"]?[id] ?? id
        // The standard library's replacing, not Foundation's (which bridges through NSString on Linux).
        for (k, v) in args { s = s.replacing("{\(k)}", with: v) }
        return s
    }

    /// The text of the plural message `id` for `count` in `language`: `id#<category>` (``PluralRules``), else
    /// `id#other`, else `id` itself, with `args` filled in (the caller names the count's placeholder in `args`).
    public func plural(_ id: String, _ language: String, count: Int, _ args: [String: String] = [:]) -> String {
        let lang = texts[language] != nil ? language : "en"
        for key in ["\(id)#\(PluralRules.category(count, language: lang))", "\(id)#other"] where texts[lang]?[key] != nil {
            return text(key, lang, args)
        }
        return text(id, lang, args)
    }

    /// Whether a message id exists in `language` itself (for catalog completeness tests).
    public func has(_ id: String, in language: String) -> Bool { texts[language]?[id] != nil }

    /// All ids of a language.
    public func ids(_ language: String) -> Set<String> { Set(texts[language]?.keys.map { $0 } ?? []) }
}
