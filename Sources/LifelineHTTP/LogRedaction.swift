/// What of a request may be written to the log.
enum LogRedaction {
    /// `path` with every segment that could be an identifier (a UUID, or 16+ characters of letters, digits and
    /// `-`/`_`) replaced by `:id`. Why: a verified flow's id is a bearer secret, and so is anything else that is
    /// long and random in a path; a log is read by more people than the API is.
    static func path(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> Substring in
            segment.utf8.count >= 16 && segment.utf8.allSatisfy({ isIDByte($0) }) ? ":id" : segment
        }.joined(separator: "/")
    }

    private static func isIDByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
    }
}
