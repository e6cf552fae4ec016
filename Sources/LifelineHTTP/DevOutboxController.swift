import Foundation
import Hummingbird
import LifelineCore

/// `/dev/outbox` and `/dev/outbox.json`: the messages kept by the development outbox in demo mode, so a
/// newcomer can walk through a flow without an SMS provider. Never routed outside demo mode: it shows codes.
struct DevOutboxController {
    let outbox: any KeptMessages

    struct Item: Encodable { var id: String; var channel: String; var to: String; var subject: String; var text: String; var at: Date }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/dev/outbox.json") { request, _ in
            // `?to=` gives the newest message to one recipient (scripts and the flow benchmark look up their code).
            // With `wait=MS` (at most 10,000) it is a long-poll: if there is no message to `to` yet, or only the one
            // whose id is `after=`, the answer waits up to MS milliseconds for the next one.
            let query = request.uri.queryParameters
            let to = query.get("to").map { String($0) }
            var wait = 0
            if let text = query.get("wait") {
                guard let ms = Int(text), (0...10_000).contains(ms), to != nil else {
                    throw APIError(.badRequest, "invalid_request", "wait must be 0 to 10000 milliseconds, with to=")
                }
                wait = ms
            }
            var after: UUID? = nil
            if let text = query.get("after") {
                guard let id = UUID(uuidString: String(text)), to != nil else {
                    throw APIError(.badRequest, "invalid_request", "after must be a message id, with to=")
                }
                after = id
            }
            let entries: [KeptMessage]
            if let to {
                entries = await outbox.next(to: to, after: after, timeout: .milliseconds(wait)).map { [$0] } ?? []
            } else {
                entries = await outbox.recent(limit: 100)
            }
            let items = entries.map {
                Item(id: $0.message.id.uuidString.lowercased(), channel: $0.message.channel.rawValue, to: $0.message.recipient,
                     subject: $0.message.subject, text: $0.message.text, at: $0.at)
            }
            return try JSON.response(["messages": items])
        }
        router.get("/dev/outbox") { _, _ in
            let rows = await outbox.recent(limit: 100).map { e in
                "<tr><td>\(HTMLEscaping.escape(ISO8601DateFormatter().string(from: e.at)))</td><td>\(e.message.channel.rawValue)</td><td>\(HTMLEscaping.escape(e.message.recipient))</td>"
                    + "<td>\(HTMLEscaping.escape(e.message.subject))</td><td><pre>\(HTMLEscaping.escape(e.message.text))</pre></td></tr>"
            }.joined(separator: "\n")
            let page = """
                <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
                <title>Development outbox</title><link rel="stylesheet" href="/static/app.css"></head><body><main>
                <h1>Development outbox</h1><p>Messages of demo mode (newest first). They are not sent anywhere.</p>
                <table><thead><tr><th>Time</th><th>Channel</th><th>To</th><th>Subject</th><th>Text</th></tr></thead><tbody>
                \(rows)
                </tbody></table></main></body></html>
                """
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: .init(string: page)))
        }
    }
}
