import Foundation
import HTTPTypes
import HummingbirdTesting
import LifelineApp
import LifelineCore
@testable import LifelineHTTP
import NIOCore
import Testing

/// The JSON API takes bodies declared `application/json` only (issue 13 item 4): a cross-site HTML form can send
/// `text/plain`, `application/x-www-form-urlencoded` or `multipart/form-data` without a CORS preflight.
@Suite("JSON API Content-Type")
struct ContentTypeTests {
    static let flowBody = #"{"tenant":"demo","username":"alice"}"#

    /// Sends `body` with exactly the given Content-Type (nil: none).
    static func raw(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, contentType: String?, body: String,
                    key: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let contentType { headers[.contentType] = contentType }
        if let key { headers[.authorization] = "Bearer \(key)" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body)) { $0 }
    }

    @Test("a text/plain, form, multipart or undeclared body to /recovery/flows is 415 and creates no flow",
          arguments: ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                      "application/jsonx", "text/json", nil] as [String?])
    func refusedTypes(_ contentType: String?) async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                let r = try await Self.raw(client, .post, "/api/v1/recovery/flows", contentType: contentType, body: Self.flowBody)
                try expectError(r, .unsupportedMediaType, "unsupported_media_type")
            }
            let events = try await fx.runtime.store.recentEvents(tenant: "demo", limit: 50).map(\.record.event)
            #expect(!events.contains("recovery.start"), "a flow was created: \(events)")
        }
    }

    @Test("application/json with parameters and in any case is accepted", arguments: ["application/json", "Application/JSON; charset=utf-8", " application/json ;charset=\"utf-8\""])
    func acceptedTypes(_ contentType: String) async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                let r = try await Self.raw(client, .post, "/api/v1/recovery/flows", contentType: contentType, body: Self.flowBody)
                #expect(r.status == .created, "body: \(String(buffer: r.body))")
            }
        }
    }

    @Test("the admin and validate APIs refuse a form body too; a POST without a body needs no Content-Type")
    func otherRoutes() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.app().test(.router) { client in
                let form = "tenant=acme&username=alice&code=123456"
                try expectError(try await Self.raw(client, .post, "/api/v1/validate", contentType: "application/x-www-form-urlencoded", body: form,
                                                   key: fx.validateKey), .unsupportedMediaType, "unsupported_media_type")
                try expectError(try await Self.raw(client, .post, "/api/v1/admin/tenants", contentType: "text/plain", body: #"{"name":"evil"}"#,
                                                   key: fx.adminKey), .unsupportedMediaType, "unsupported_media_type")
                try expectError(try await Self.raw(client, .put, "/api/v1/admin/tenants/acme/recovery", contentType: "text/plain", body: "{}",
                                                   key: fx.adminKey), .unsupportedMediaType, "unsupported_media_type")
                #expect(try await fx.runtime.store.tenant(named: "evil") == nil)
                // A body-less POST (an action) is judged by its route, not refused for lacking a type.
                let r = try await client.send(.post, "/api/v1/recovery/flows/00000000-0000-0000-0000-000000000000/actions/selfservice")
                #expect(r.status != .unsupportedMediaType)
            }
        }
    }

    @Test("the media type is compared without parameters, surrounding blanks or case, and nothing else passes")
    func mediaTypes() {
        for ok in ["application/json", "Application/JSON", "application/json; charset=utf-8", " application/json\t;x=y", "APPLICATION/JSON "] {
            #expect(JSONContentTypeMiddleware<AppRequestContext>.isJSON(ok), "\(ok)")
        }
        for bad in ["", ";", "application/jsonx", "application/json-patch+json", "application /json", "text/plain", "application/jso",
                    "application\u{2F}json2", "applicatio\u{301}n/json", "application/json\u{301}", "xapplication/json"] {
            #expect(!JSONContentTypeMiddleware<AppRequestContext>.isJSON(bad), "\(bad)")
        }
    }
}
