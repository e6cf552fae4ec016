import LifelineCore

/// The `Accept-Language` request header (RFC 9110 §12.5.4), parsed here in the HTTP layer: the core's ``Catalog``
/// knows languages and tags, not headers.
enum AcceptLanguage {
    /// The language `header` prefers most among `catalog`'s (by q-value, then order); `en` when none fits.
    static func negotiate(_ header: String?, catalog: Catalog) -> String {
        guard let header else { return "en" }
        var best: (q: Double, lang: String)? = nil
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first, !tag.isEmpty, tag != "*" else { continue }
            let q = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            let lang = catalog.resolve(tag)
            // Why skip q=0: it means "not acceptable" (RFC 9110 §12.4.2). Why skip a tag that only fell back to
            // English: an unsupported first choice must not outrank a supported second one.
            guard q > 0, lang != "en" || tag.lowercased().hasPrefix("en") else { continue }
            if best == nil || q > best!.q { best = (q, lang) }
        }
        return best?.lang ?? "en"
    }
}
