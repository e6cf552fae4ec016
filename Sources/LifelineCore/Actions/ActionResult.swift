import Foundation

/// What an action did, rendered by both the API (a JSON object) and the web (a redirect, the flow page with the
/// action's notice, or one result page with a value shown once).
public struct ActionResult: Sendable, Equatable {
    /// The API's `result` (`password_reset`, `card_response`).
    public var result: String
    /// Send the browser (or tell the client to go) to this URL (API: `redirect_to`).
    public var redirect: String?
    /// The API's further keys, snake_case, in any order (the encoder sorts them).
    public var items: [Item]
    /// The web's result page; nil: back to the flow page, which shows the notice the action left on the flow.
    public var page: Page?

    public init(result: String, redirect: String? = nil, items: [Item] = [], page: Page? = nil) {
        self.result = result; self.redirect = redirect; self.items = items; self.page = page
    }

    /// One key of the API's answer.
    public struct Item: Sendable, Equatable {
        public var key: String
        public var value: ActionValue
        public init(_ key: String, _ value: ActionValue) { self.key = key; self.value = value }
    }

    /// The web page of a result that is shown once (a code, a cryptogram). Texts are web text ids.
    public struct Page: Sendable, Equatable {
        public var title: String
        public var intro: String
        /// The line above the title (which card), if any.
        public var context: ActionText?
        /// The value shown once, large, with a copy button.
        public var value: String
        /// Lines under the value (its limits, "shown only now").
        public var lines: [ActionText]

        public init(title: String, intro: String, context: ActionText? = nil, value: String, lines: [ActionText] = []) {
            self.title = title; self.intro = intro; self.context = context; self.value = value; self.lines = lines
        }
    }
}

/// A value of a result: the API writes it as JSON, the page as text (a time in UTC).
public enum ActionValue: Sendable, Equatable {
    case text(String)
    case number(Int)
    case time(Date)
    /// A list of texts (the API writes a JSON array; a page, the texts one a line).
    case texts([String])
}

/// A text by catalog id with its arguments.
public struct ActionText: Sendable, Equatable {
    public var id: String
    public var args: [String: ActionValue]
    public init(_ id: String, _ args: [String: ActionValue] = [:]) { self.id = id; self.args = args }
}
