import Foundation

/// `Date` as RFC 3339 text in UTC with whole seconds, the form of `JSONEncoder`'s `.iso8601` strategy
/// (`2026-12-02T05:00:00Z`; a fraction of a second is cut off, towards the past).
///
/// The proleptic Gregorian calendar; Foundation agrees for every date from 1583 on (before, it switches to the
/// Julian calendar), which covers every date Lifeline writes.
enum ISO8601Text {
    static func format(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        let (y, m, d) = civil(days: days)
        var out = ""
        out.reserveCapacity(20)
        out += y >= 0 && y < 10_000 ? pad(y, 4) : String(y)
        out += "-" + pad(m, 2) + "-" + pad(d, 2) + "T" + pad(rest / 3600, 2) + ":" + pad(rest / 60 % 60, 2) + ":" + pad(rest % 60, 2) + "Z"
        return out
    }

    /// Year, month, day of a day number since 1970-01-01 (H. Hinnant's `civil_from_days`).
    static func civil(days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    private static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
