import Mustache

/// HTML escaping for every page: the templates (through ``ScalarHTMLContentType``) and the few pages built
/// without templates (the development outbox).
///
/// Why by Unicode scalar: a Swift `Character` is a grapheme cluster, so `"` followed by U+0301 is one Character
/// that is not equal to `"`. An escaper that walks Characters (swift-mustache's own, and ours before) leaves such a
/// quote raw, and a typed value closes the attribute it sits in and adds attributes of its own (issue 13 item 8).
/// The browser parses scalars, so the escaper must too. The mark that follows is kept: after escaping it joins the
/// `;` of the entity, which is harmless.
enum HTMLEscaping {
    static func escape(_ s: String) -> String {
        // Most values hold nothing to escape: return them as they are (no copy).
        guard s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return s }
        var out = String.UnicodeScalarView()
        out.reserveCapacity(s.utf8.count + 16)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}

/// The content type every template selects with its first line, `{{% CONTENT_TYPE: SCALAR_HTML}}`
/// (``WebRenderer`` refuses a template without it). Why a pragma in each file: swift-mustache starts every template
/// and partial with its own per-Character HTML escaping, and a pragma is the only way to choose another.
struct ScalarHTMLContentType: MustacheContentType {
    /// The name the templates' pragma uses.
    static let name = "SCALAR_HTML"
    /// The line each template starts with.
    static let pragma = "{{% CONTENT_TYPE: \(name)}}"

    func escapeText(_ text: String) -> String { HTMLEscaping.escape(text) }
}
