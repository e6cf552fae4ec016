import Foundation

/// Times as the pages and the notices show them: in the organization's time zone, in the reader's language, with
/// the zone named — never a raw ISO timestamp.
public enum TimeText {
    /// `date` (minutes rounded up, so a "try again after" is never too early) as a date and a time in `zone`,
    /// formatted for `language` (`en`, `cs`, `nb`), followed by the zone's name ("7 Dec 2026 at 20:15 CET").
    public static func format(_ date: Date, zone: TimeZone, language: String) -> String {
        let rounded = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.up) * 60)
        let f = DateFormatter()
        // en with a 24-hour clock (en_GB): one clock for everyone reading helpdesk notices.
        f.locale = Locale(identifier: language == "en" ? "en_GB" : language)
        f.timeZone = zone
        f.dateStyle = .medium
        f.timeStyle = .short
        let name = zone.identifier == "UTC" || zone.identifier == "GMT" ? "UTC" : (zone.abbreviation(for: rounded) ?? zone.identifier)
        return f.string(from: rounded) + " " + name
    }

    /// `date` in the tenant's zone (UTC without a configuration).
    public static func format(_ date: Date, config: RecoveryConfig?, language: String) -> String {
        format(date, zone: (config?.timeZone ?? .utc).zone, language: language)
    }
}
