import Foundation

/// The ticket reference or reason every helpdesk action needs (issue 15: "each one is audited with the operator and a
/// required ticket reference or reason").
public enum HelpdeskReason {
    /// The shortest reason (after trimming). Why 3: "x" is no reason; a ticket id like `T-1` is.
    public static let minLength = 3
    /// The longest reason. Why 200: it goes into every audit record of the action; a ticket id or a sentence fits.
    public static let maxLength = 200

    /// `text` trimmed, or `invalidRequest` (400) when it is shorter than 3 or longer than 200 characters, or holds a
    /// character that is not printable. Why printable only: the reason is shown in the audit log, its CSV export and
    /// the console; control, format (bidi overrides) and separator characters could disguise what a record says.
    public static func validate(_ text: String?) throws(LifelineError) -> String {
        let trimmed = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (minLength...maxLength).contains(trimmed.count) else {
            throw LifelineError(.invalidRequest, "reason (a ticket reference or reason) must be \(minLength) to \(maxLength) characters")
        }
        for scalar in trimmed.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
                throw LifelineError(.invalidRequest, "reason must be printable characters only")
            default: continue
            }
        }
        return trimmed
    }
}
