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

    /// `path` as the access log writes it: ``path(_:)``, and also the segment after `enrol` (an operator's enrolment
    /// link: a bearer secret of any length) as `:token`, and a username in a user's path (`…/users/{username}` of the
    /// admin API, `/console/users/{tenant}/{username}` of the console) as `:user`. Why usernames: they name people,
    /// and a log is read by more people than the user pages are; the audit log keeps who acted on whom. The query
    /// string is never passed here (the caller drops it): a card unblock link carries its challenge there.
    static func accessPath(_ path: String) -> String {
        var segments = self.path(path).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let console = segments.count > 1 && segments[1] == "console"
        var i = 0
        while i < segments.count - 1 {
            if segments[i] == "enrol" { segments[i + 1] = ":token"; i += 2; continue }
            if segments[i] == "users" {
                // Console: /console/users/{tenant}/{username}; admin API: /tenants/{tenant}/users/{username}.
                let at = console ? i + 2 : i + 1
                if at < segments.count, !segments[at].isEmpty, segments[at] != ":id" { segments[at] = ":user" }
                i = at + 1; continue
            }
            i += 1
        }
        return segments.joined(separator: "/")
    }

    private static func isIDByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
    }
}
