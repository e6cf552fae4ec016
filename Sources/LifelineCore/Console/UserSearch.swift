import Foundation

/// User search across the operator's organizations (issue 15): by username, display name, email, phone, card
/// serial or token id.
public enum UserSearch {
    /// The most results a search returns. Why a bound: a short query matches many users; the console lists the
    /// first ones and asks for a longer query, and no request reads a whole tenant.
    public static let maxResults = 50
    /// Query length in characters. Why at least 2: one character matches nearly everyone and tells nothing; why at
    /// most 64: longer than any username, address or serial worth typing, and the pattern is matched against five columns.
    public static let lengthRange = 2...64

    /// A validated search.
    public struct Query: Sendable, Equatable {
        /// The text as typed (trimmed), lowercased: what is matched against lowercased columns.
        public var text: String
        /// The same with phone separators (spaces, `-`, `.`, `(`, `)`) removed, for matching stored E.164 numbers.
        public var phoneText: String
        /// nil: every tenant.
        public var tenantIDs: Set<UUID>?
        public var limit: Int

        /// Checks `raw` (trimmed): 2–64 characters, no control characters. Throws `invalidRequest` (400) otherwise.
        public init(_ raw: String, tenantIDs: Set<UUID>?, limit: Int = UserSearch.maxResults) throws(LifelineError) {
            let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard UserSearch.lengthRange.contains(trimmed.count), trimmed.utf8.count <= 256,
                  !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "\u{7f}" }) else {
                throw LifelineError(.invalidRequest, "q must be \(UserSearch.lengthRange.lowerBound) to \(UserSearch.lengthRange.upperBound) characters without control characters")
            }
            text = trimmed.lowercased()
            let separators: Set<Character> = [" ", "-", ".", "(", ")"]
            let phone = String(trimmed.filter { !separators.contains($0) })
            phoneText = phone.isEmpty ? text : phone.lowercased()
            self.tenantIDs = tenantIDs
            self.limit = min(max(limit, 1), UserSearch.maxResults)
        }

        /// `text` as a LIKE pattern: `%text%` with `\`, `%` and `_` escaped by `\` (use `ESCAPE '\'`). Why: a
        /// wildcard typed by the operator must match itself, never widen the search.
        public static func likePattern(_ text: String) -> String {
            var out = "%"
            for ch in text {
                if ch == "\\" || ch == "%" || ch == "_" { out.append("\\") }
                out.append(ch)
            }
            out.append("%")
            return out
        }

        /// Whether `value` contains the query (the in-memory store's reading, same as LIKE on lowercased text).
        public func matches(_ value: String, phone: Bool = false) -> Bool {
            value.lowercased().contains(phone ? phoneText : text)
        }
    }

    /// One user found, with the tenant it belongs to.
    public struct Hit: Sendable, Equatable {
        public var user: User
        public var tenantName: String
        public init(user: User, tenantName: String) { self.user = user; self.tenantName = tenantName }
    }
}
