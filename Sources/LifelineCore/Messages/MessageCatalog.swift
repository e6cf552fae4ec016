/// The texts of the SMS and email messages the core sends (codes, "you were verified", "an action was done"), in
/// English, Czech and Norwegian Bokmål, with `{name}` placeholders.
///
/// Why in the core, as code: the core composes these messages, so it owns their words (the web pages' strings
/// belong to the HTTP layer); and compiled in, they need no file read, so the core stays free of I/O.
public enum MessageCatalog {
    /// Every language's messages, keyed by message id (`message.*`).
    public static let texts: [String: [String: String]] = ["en": en, "cs": cs, "nb": nb]

    /// The messages as a ``Catalog`` (English is the fallback).
    public static let catalog = Catalog(texts: texts)
}
