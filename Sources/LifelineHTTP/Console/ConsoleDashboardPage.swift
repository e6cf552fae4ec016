import Foundation
import Hummingbird
import LifelineCore

extension ConsoleEnvironment {
    /// The console's read use cases (dashboard, search, details, audit, settings) over the router's dependencies.
    var consoleService: ConsoleService {
        ConsoleService(storage: deps.storage, admin: deps.admin, clock: deps.clock, configText: deps.configText)
    }
}

/// `/console`: the dashboard (issue 15) — what needs attention, failed flows per hour as a chart, locked and
/// throttled tokens, recent recoveries; within the operator's organizations.
struct ConsoleDashboardPage {
    let env: ConsoleEnvironment
    var renderer: ConsoleRenderer { env.renderer }

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get { _, context in
            let lang = context.language
            let d = try await env.consoleService.dashboard(caller: context.principal)
            let mayAudit = Authorizer().allows(context.principal, .auditRead)
            let attention = d.needsAttention.map { a -> [String: Any] in
                ["text": renderer.text("pages_attention_\(a.kind.rawValue)", lang, ["count": String(a.count)]), "detail": a.detail,
                 "has_detail": !a.detail.isEmpty, "serious": a.kind == .auditChainBroken]
            }
            let tokens = d.attentionTokens.map { t -> [String: Any] in
                ["tenant": t.tenant, "username": t.username, "href": ConsolePaths.user(t.tenant, t.username),
                 "state": renderer.text("pages_state_\(t.status.display.rawValue)", lang), "fail_count": t.status.token.failCount,
                 "label": t.status.token.label]
            }
            let recoveries = d.recentRecoveries.map { e -> [String: Any] in
                ["time": ConsoleFormat.time(e.record.time, lang), "tenant": e.record.tenant ?? "", "subject": e.record.subject,
                 "href": e.record.tenant.map { ConsolePaths.user($0, e.record.subject) } ?? "", "event": e.record.event]
            }
            let total = d.failedFlowsPerHour.reduce(0) { $0 + $1.count }
            return renderer.page("console_dashboard", title: renderer.text("pages_dashboard_title", lang), context: context, data: [
                "welcome": renderer.text("shell_dashboard_welcome", lang, ["name": context.op.name]),
                "attention": attention, "has_attention": !attention.isEmpty,
                "tokens": tokens, "has_tokens": !tokens.isEmpty,
                "recoveries": recoveries, "has_recoveries": !recoveries.isEmpty, "may_audit": mayAudit,
                "chart": ConsoleChart.bars(d.failedFlowsPerHour) { hour, count in
                    renderer.text("pages_chart_bar", lang, ["hour": hour, "count": String(count)])
                },
                "chart_summary": renderer.text("pages_chart_summary", lang, ["count": String(total)]),
            ])
        }
    }
}

/// Links to console pages, with each path segment percent-encoded (usernames may hold any character but control ones).
enum ConsolePaths {
    static func segment(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }
    static func user(_ tenant: String, _ username: String) -> String { "/console/users/\(segment(tenant))/\(segment(username))" }
}

/// The dashboard's bar chart as inline SVG built from attributes only (no `style` attribute, no script: the CSP
/// forbids inline style), so the template renders it with ordinary escaping.
enum ConsoleChart {
    static let height = 100.0
    static let barWidth = 16.0
    static let step = 20.0

    /// One bar per hour: position, size, its count and hour (for the bar's `<title>`), and every sixth hour a label.
    static func bars(_ hours: [Dashboard.HourCount], title: (String, Int) -> String) -> [String: Any] {
        let top = Double(max(hours.map(\.count).max() ?? 0, 1))
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let bars = hours.enumerated().map { i, h -> [String: Any] in
            let hgt = (Double(h.count) / top * height).rounded()
            let hour = utc.component(.hour, from: h.hour)
            let label = String(format: "%02d:00", hour)
            return ["title": title(label, h.count), "x": Int(Double(i) * step + 2), "y": Int(height - hgt + 4), "w": Int(barWidth), "h": Int(hgt), "count": h.count,
                    "hour": label, "label": i % 6 == 0, "label_x": Int(Double(i) * step + 2), "label_y": Int(height + 20)]
        }
        return ["bars": bars, "width": Int(Double(hours.count) * step + 4), "height": Int(height + 26), "max": Int(top)]
    }
}
