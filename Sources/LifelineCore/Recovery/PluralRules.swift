/// The CLDR plural category of a count, for choosing the catalog text of a message with a number ("1 second",
/// "2 sekundy", "5 sekund"). Integers only: the pages and notices count whole things.
///
/// A plural message is stored in the catalogs once per category of its language, as `id#one`, `id#few`, `id#many`,
/// `id#other` (see ``Catalog/plural(_:_:count:_:)``).
public enum PluralRules {
    /// The categories a language's catalog must give for each plural message (CLDR; `many` in Czech is for
    /// fractions, which are never shown, but it is part of the language's set).
    public static func categories(_ language: String) -> [String] {
        switch language {
        case "cs", "sk": ["one", "few", "many", "other"]
        default: ["one", "other"]
        }
    }

    /// The category of the integer `n` in `language` (CLDR: en and nb `one` for 1; cs `one` for 1, `few` for 2–4).
    public static func category(_ n: Int, language: String) -> String {
        switch language {
        case "cs", "sk":
            if n == 1 { return "one" }
            if (2...4).contains(n) { return "few" }
            return "other"
        default:
            return n == 1 ? "one" : "other"
        }
    }
}
